#!/usr/bin/env bash
# The whole test suite: installs LAPACK/BLAS if missing, fuzzes briefly, then runs every Swift Testing test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export OPENBLAS_NUM_THREADS=1
# Bounded coverage-guided fuzzing of the CSV reader + NCA and the formula language (docs/robustness.md);
# a crash fails the run. Always in CI (CI=true); locally on a full run (no test filter). FUZZ_SECONDS=0 skips.
# It runs first so that the test runner's summary is the last line of the output.
fuzz_seconds="${FUZZ_SECONDS:-15}"
if [ "$fuzz_seconds" != 0 ] && { [ "${CI:-}" = true ] || [ "$#" -eq 0 ]; }; then
    bash scripts/fuzz.sh "$fuzz_seconds"
fi
swift build --product pkfit
swift test --disable-xctest "$@"
