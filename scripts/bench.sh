#!/bin/sh
# Builds the release binaries and runs the benchmarks from the package root, so the scipy baseline
# (scripts/bench_scipy.py) is found. Sections: lm, nca, fit, m3, long, popfit, popreport (default: all).
#   scripts/bench.sh                 # everything (≈ 1 minute after the build)
#   scripts/bench.sh nca             # pkfit nca vs wc -l on a generated 1M-row cohort
#   BENCH_ROWS=200000 scripts/bench.sh nca      # a smaller cohort
#   BENCH_FIT_SUBJECTS=500 scripts/bench.sh fit
#   scripts/bench.sh m3              # stein fits with BLQ censored (M3) vs dropped, same cohort and run
set -eu
cd "$(dirname "$0")/.."
# Reference BLAS/LAPACK here is single-threaded; if an OpenBLAS is swapped in, keep it from
# oversubscribing the cores that pkfit already uses for its per-subject parallelism.
export OPENBLAS_NUM_THREADS=1
# The Swift runtime and Foundation linked statically: a run then starts in about 11 ms instead of 19 (no
# dynamic symbol binding of the Swift libraries), which is part of every measured pkfit run. Both products
# take the same flag, since changing it rebuilds the package.
swift build -c release --static-swift-stdlib --product pkfit
swift build -c release --static-swift-stdlib --product CARKineticsBenchmarks
exec .build/release/CARKineticsBenchmarks "$@"
