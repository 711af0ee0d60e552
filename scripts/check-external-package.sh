#!/usr/bin/env bash
# The library used as a user would: a separate Swift package that depends on this repository by path and
# builds (and runs) the README's quick-start snippets, importing only `CARKinetics` (and Foundation).
# A fresh package builds every dependency from scratch, so this takes minutes, not seconds: it is not part of
# scripts/test.sh (README, "Library").
# Usage: scripts/check-external-package.sh [work directory, default a new temporary one]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work/Sources/QuickStart"
cat > "$work/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "QuickStart",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "$root")],
    targets: [
        .executableTarget(
            name: "QuickStart",
            dependencies: [.product(name: "CARKinetics", package: "$(basename "$root")")])
    ]
)
SWIFT
# main.swift: the README's swift blocks that start with the quick start's imports, each in its own scope.
python3 - "$root/README.md" "$work/Sources/QuickStart/main.swift" <<'PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"```swift\nimport CARKinetics\nimport Foundation\n\n(.*?)```", readme, re.S)
if len(blocks) != 2:
    sys.exit(f"expected the 2 quick-start blocks in README.md, found {len(blocks)}")
body = "".join("do {\n" + "".join("    " + l + "\n" for l in b.splitlines()) + "}\n" for b in blocks)
open(sys.argv[2], "w", encoding="utf-8").write("import CARKinetics\nimport Foundation\n\n" + body)
PY
cd "$work"
start=$(date +%s)
swift build -c debug
echo "external package built in $(( $(date +%s) - start )) s ($work)"
cd "$root" && "$work/.build/debug/QuickStart" > /dev/null
echo "quick start ran: ok"
