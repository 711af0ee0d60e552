#!/bin/sh
# The simulation–estimation coverage study of `pkfit popfit` on the Stein model (docs/population.md, Validation):
# replicates of 150 simulated subjects (seeds 1…10), each fitted with the Laplace stage only and with the
# importance-sampling stage; prints each fit and the table of mean errors and 95%-interval coverage.
# Slow (about 1–2 minutes per replicate pair on 2 cores); not run in CI.
#   scripts/popfit_coverage.sh
#   BENCH_COVERAGE_SEEDS=1,2,3 BENCH_COVERAGE_MODES=is scripts/popfit_coverage.sh
#   BENCH_POP_DRAWS=2000 BENCH_POP_SE=sandwich scripts/popfit_coverage.sh
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
swift build -c release --static-swift-stdlib --product CARKineticsBenchmarks
exec .build/release/CARKineticsBenchmarks popcoverage
