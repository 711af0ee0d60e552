#!/usr/bin/env bash
# The main job on SampleData: installs LAPACK/BLAS if missing, builds pkfit (release), then runs the NCA,
# the model fits, the cohort summary and the HTML report on the example qPCR and flow-cytometry files.
# Results go to out/ (override with OUT=dir).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product pkfit
pkfit="$(swift build -c release --show-bin-path)/pkfit"
out="${OUT:-out}"
mkdir -p "$out"
set -x
"$pkfit" nca SampleData/aid_cd7_qpcr.csv --group COHORT --output "$out/aid_cd7_qpcr_nca.csv"
"$pkfit" nca SampleData/waiha_cd19bcma_flow.csv --value car_t_cells_per_uL --group responder --output "$out/waiha_nca.csv"
"$pkfit" nca SampleData/aid_cd7_qpcr.csv --group COHORT --format table
