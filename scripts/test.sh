#!/usr/bin/env bash
# The whole test suite: installs LAPACK/BLAS if missing, then runs every Swift Testing test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export OPENBLAS_NUM_THREADS=1
swift build --product pkfit
swift test --disable-xctest "$@"
