#!/usr/bin/env bash
# The whole test suite: installs LAPACK/BLAS if missing, then runs every Swift Testing test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export OPENBLAS_NUM_THREADS=1
swift build --product pkfit
swift test --disable-xctest "$@"
# Bounded coverage-guided fuzzing of the CSV reader + NCA and the formula language (docs/robustness.md);
# a crash fails the run. Always in CI (CI=true); locally on a full run (no test filter). FUZZ_SECONDS=0 skips.
fuzz_seconds="${FUZZ_SECONDS:-15}"
if [ "$fuzz_seconds" != 0 ] && { [ "${CI:-}" = true ] || [ "$#" -eq 0 ]; }; then
    bash scripts/fuzz.sh "$fuzz_seconds"
fi
