#!/usr/bin/env bash
# Renders reports to PNG (the first 1280 × 2000 px as a browser shows it, and every printed page) and PDF (A4,
# with the print stylesheet) with Debian's headless chromium, so anyone can look at what a reader sees: the sample
# reports (qPCR with --fit and --dose, flow with --response), a 240-subject, four-dose study made by
# scripts/make-study.py, and two population fits (--popfit). Pages of each PDF are counted with pdfinfo
# (poppler-utils). Usage: scripts/screenshot-report.sh [OUT_DIR] (default out/screenshots).
# Installs chromium and poppler-utils with apt-get when missing (root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/screenshots}"
mkdir -p "$out"
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdfinfo >/dev/null || need+=(poppler-utils)
if [ "${#need[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}"
fi
swift build -c release --static-swift-stdlib --product pkfit >&2
pkfit="$(swift build -c release --static-swift-stdlib --show-bin-path)/pkfit"
# Fixed date in the provenance so two runs give the same files.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1795000000}"
python3 scripts/make-study.py 240 "$out/study240.csv"
"$pkfit" report SampleData/aid_cd7_qpcr.csv --group COHORT --lloq LLOQ --dose DOSE --dose-unit "CAR+ cells" --fit \
    --title "AID CD7 CAR-T (qPCR)" --output "$out/qpcr_report.html"
"$pkfit" report SampleData/waiha_cd19bcma_flow.csv --value car_t_cells_per_uL --response responder \
    --title "wAIHA CD19/BCMA CAR-T (flow)" --output "$out/flow_report.html"
"$pkfit" report "$out/study240.csv" --group COHORT --lloq LLOQ --dose DOSE --dose-unit "CAR+ cells" --fit \
    --title "Study of 240 subjects, four doses" --output "$out/study240_report.html"
# Population fits (report --popfit): the 90-subject Stein simulation-estimation example (38% BLQ, M3, dose covariate
# on Cmax) and Theoph (formula model, additive error), both fixtures of the test suite.
"$pkfit" report Tests/CARKineticsTests/Fixtures/population/pop_stein_example.csv --lloq lloq --popfit \
    --covariate "cmax ~ dose" --starts 1 --title "Stein population example" --output "$out/popstein_report.html"
"$pkfit" report Tests/CARKineticsTests/Fixtures/population/theoph.csv --popfit \
    --formula "C = Dose*exp(lKe+lKa-lCl)*(exp(-exp(lKe)*t)-exp(-exp(lKa)*t))/(exp(lKa)-exp(lKe))" \
    --start lKe=-2.5 --start lKa=0.5 --start lCl=-3 --random lKa,lCl --title "Theoph" \
    --output "$out/poptheoph_report.html"
for name in qpcr_report flow_report study240_report popstein_report poptheoph_report; do
    html="$(cd "$out" && pwd)/$name.html"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2000 \
        --screenshot="$out/$name.png" "file://$html" 2>/dev/null
    chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --print-to-pdf="$out/$name.pdf" "file://$html" 2>/dev/null
    # Every printed page as a PNG too (pdftoppm, 60 dpi): the quickest way to look at the whole report.
    pdftoppm -png -r 60 "$out/$name.pdf" "$out/$name-page"
    pages="$(pdfinfo "$out/$name.pdf" | awk '/^Pages:/ {print $2}')"
    printf '%s: %s A4 pages, HTML %s bytes\n' "$name" "$pages" "$(wc -c <"$html")"
done
