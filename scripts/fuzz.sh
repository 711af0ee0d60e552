#!/usr/bin/env bash
# Bounded libFuzzer runs of the two fuzz targets (docs/robustness.md):
#   FuzzCSV      arbitrary bytes -> CSV reader (strict and --skip-invalid) -> NCA -> audit
#   FuzzFormula  arbitrary text  -> formula parser -> bind -> value and gradient
#   FuzzPopFitOptions  arbitrary text -> popfit --covariate/--random/--block/--start parsers and the --columns list
#   FuzzTimeOptions    arbitrary text -> --time-unit / time-unit cells and --interval A,B[unit] parsers
#   FuzzRowFilter  arbitrary text -> --where conditions -> applied to a fixed ADNCA-like table (ledger adds up)
#   FuzzLambdaZPoints  arbitrary bytes -> --lambda-z-points file reader -> check against profiles -> NCA
#   FuzzXPT, FuzzDatasetJSON, FuzzXLSX  arbitrary bytes -> SAS transport / Dataset-JSON / Excel reader
#                (strict and --skip-invalid) -> NCA -> audit
# Usage: scripts/fuzz.sh [seconds per target, default 20] [extra libFuzzer flags...]
# Longer run, e.g. overnight with both cores:  scripts/fuzz.sh 3600 -jobs=2 -workers=2
# Seeds: Tests/Fuzz/Corpus/{csv,formula,popfit,time,where,lambdaz,xpt,json,xlsx} and, for CSV, SampleData/ (read only; the first byte of each picks options). New inputs go to .build/fuzz-corpus/, crashes to
# .build/fuzz-artifacts/ (reproduce: .build/fuzz/debug/FuzzCSV .build/fuzz-artifacts/crash-...).
# Exits non-zero when a target crashes, so CI fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true

# Without this, Swift's backtracer catches the trap first and libFuzzer writes no crash file.
export SWIFT_BACKTRACE=enable=no
# Fortran LAPACK is not instrumented; leak reports from the runtime are not ours to fix.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"

scratch=.build/fuzz
for product in FuzzCSV FuzzFormula FuzzPopFitOptions FuzzTimeOptions FuzzRowFilter FuzzLambdaZPoints FuzzXPT FuzzDatasetJSON FuzzXLSX; do
    # SwiftPM's --sanitize=fuzzer links libFuzzer but does not pass the flag to the compile jobs, so
    # nothing gets coverage instrumentation and libFuzzer mutates blindly; -Xswiftc passes it on.
    # The build log goes to a file: the linker warns about every ASan symbol it cannot export.
    # A failed build stops the script (a stale binary from an earlier build is never fuzzed).
    mkdir -p .build/fuzz-artifacts
    build_log=".build/fuzz-artifacts/build-$product.log"
    if ! swift build --scratch-path "$scratch" --sanitize=fuzzer --sanitize=address \
        -Xswiftc -sanitize=fuzzer --product "$product" >"$build_log" 2>&1; then
        grep -E "error" "$build_log" >&2 || tail -20 "$build_log" >&2
        echo "fuzz: $product did not build" >&2
        exit 1
    fi
    grep -E "Build of product" "$build_log" || true
done

status=0
for target in "FuzzCSV csv 16384" "FuzzFormula formula 512" "FuzzPopFitOptions popfit 512" "FuzzTimeOptions time 256" "FuzzRowFilter where 512" "FuzzLambdaZPoints lambdaz 2048" "FuzzXPT xpt 8192" "FuzzDatasetJSON json 8192" "FuzzXLSX xlsx 16384"; do
    read -r product corpus maxlen <<<"$target"
    work=".build/fuzz-corpus/$corpus"
    mkdir -p "$work"
    printf 'fuzz: %s for %ss\n' "$product" "$seconds"
    log=".build/fuzz-artifacts/$product.log"
    # The CSV target is also seeded with the example files, stored once in SampleData/.
    seeds=("Tests/Fuzz/Corpus/$corpus")
    if [ "$corpus" = csv ]; then seeds+=(SampleData); fi
    if "$scratch/debug/$product" "$work" "${seeds[@]}" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$maxlen" \
        -artifact_prefix=.build/fuzz-artifacts/ -print_final_stats=1 "$@" >"$log" 2>&1; then
        grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)|Done [0-9]+ runs" "$log" || true
    else
        status=1
        echo "fuzz: $product FAILED; last lines of $log:" >&2
        tail -40 "$log" >&2
    fi
done
if [ "$status" -eq 0 ]; then echo "fuzz: 0 crashes"; fi
exit "$status"
