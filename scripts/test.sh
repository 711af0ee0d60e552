#!/usr/bin/env bash
# The whole test suite: installs LAPACK/BLAS if missing, fuzzes briefly, checks the house style, builds release
# with warnings as errors and the documentation, then runs every Swift Testing test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export OPENBLAS_NUM_THREADS=1
# A full run (CI=true, or no test filter) does the checks below; a filtered run only runs the tests asked for.
full=false
if [ "${CI:-}" = true ] || [ "$#" -eq 0 ]; then full=true; fi
# Bounded coverage-guided fuzzing of the CSV reader + NCA and the formula language (docs/robustness.md);
# a crash fails the run. FUZZ_SECONDS=0 skips. It runs first so that the test runner's summary is the last line.
fuzz_seconds="${FUZZ_SECONDS:-15}"
if [ "$fuzz_seconds" != 0 ] && [ "$full" = true ]; then
    bash scripts/fuzz.sh "$fuzz_seconds"
fi
if [ "$full" = true ]; then
    # House style (.swift-format, docs/architecture.md): `swift format format -i -r Sources Tests Package.swift`
    # fixes almost everything this reports.
    echo "lint: swift format lint --strict" >&2
    swift format lint --strict -r Sources Tests Package.swift
    # The product as users build it, with every warning an error (the package's own targets only: SwiftPM
    # builds dependencies with warnings suppressed).
    echo "build: release, warnings as errors" >&2
    swift build -c release --product pkfit -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error
    # Every DocC catalog, with the symbol documentation of each layer.
    echo "docs: swift package generate-documentation" >&2
    swift package --disable-sandbox generate-documentation --target CARKinetics --target CARKineticsNumerics \
        --target CARKineticsData --target CARKineticsNCA --target CARKineticsModels --target CARKineticsStatistics \
        --target CARKineticsReports >/dev/null
fi
swift build --product pkfit
swift test --disable-xctest "$@"
