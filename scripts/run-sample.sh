#!/usr/bin/env bash
# The main job on SampleData: installs LAPACK/BLAS if missing, builds pkfit (release), then runs the NCA,
# the model fits, the population fit, the cohort summaries, exposure–response and persistence, and the HTML
# reports on the example qPCR and flow-cytometry files, and the NIST StRD installation check. Results go to out/ (override with OUT=dir).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# Statically linked Swift runtime, as scripts/bench.sh builds it (faster start; same flag, so no rebuild).
swift build -c release --static-swift-stdlib --product pkfit
pkfit="$(swift build -c release --show-bin-path)/pkfit"
out="${OUT:-out}"
mkdir -p "$out"
qpcr=SampleData/aid_cd7_qpcr.csv             # CDISC ADPC-style qPCR, copies/ug, 3+3 dose escalation
flow=SampleData/waiha_cd19bcma_flow.csv      # flow cytometry, CAR+ cells/uL, responders vs non-responders
run() { echo "+ pkfit ${*}" >&2; "$pkfit" "$@"; }

run nca "$qpcr" --group COHORT --lloq LLOQ --output "$out/qpcr_nca.csv"
run nca "$flow" --value car_t_cells_per_uL --group responder --output "$out/flow_nca.csv"
run fit "$qpcr" --group COHORT --model auto --output "$out/qpcr_fit.csv"
run fit "$flow" --value car_t_cells_per_uL --group responder --output "$out/flow_fit.csv"
run popfit "$qpcr" --model stein --lloq LLOQ --covariate "cmax ~ DOSE" --individual "$out/qpcr_popfit_individual.csv" --output "$out/qpcr_popfit.csv"
run summary "$qpcr" --group COHORT --lloq LLOQ --output "$out/qpcr_summary.csv"
run summary "$flow" --value car_t_cells_per_uL --group responder --output "$out/flow_summary.csv"
run response "$flow" --value car_t_cells_per_uL --response responder --output "$out/flow_response.csv"
run persistence "$qpcr" --group COHORT --lloq LLOQ --individual "$out/qpcr_persistence_individual.csv" --output "$out/qpcr_persistence.csv"
run report "$qpcr" --group COHORT --lloq LLOQ --dose DOSE --title "AID CD7 CAR-T (qPCR)" --output "$out/qpcr_report.html"
run report "$flow" --value car_t_cells_per_uL --response responder --title "wAIHA CD19/BCMA CAR-T (flow)" --output "$out/flow_report.html"
run validate nist Tests/CARKineticsTests/Fixtures/nist --json "$out/nist_estimates.json" > "$out/nist_validation.txt"

echo >&2
run summary "$qpcr" --group COHORT --lloq LLOQ --format table
echo "Results in $out/: $(cd "$out" && ls | tr '\n' ' ')" >&2
