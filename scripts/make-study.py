#!/usr/bin/env python3
"""A synthetic CAR-T study in CDISC ADPC style for sizing and looking at `pkfit report`.

usage: make-study.py SUBJECTS OUT.csv [SEED]

Subjects are spread over four dose levels (COHORT DL1..DL4 = 1e6, 5e6, 2.5e7, 1e8 cells), each follows the
Stein model (expansion to Tmax, bi-exponential contraction and persistence) with log-normal between-subject
spread, exposure rising with dose (power b = 0.6), 30 % log-normal assay noise, an LLOQ of 50 copies/ug
(values below written BLQ), about 1 % missing cells, a pre-infusion sample at day -3, nominal days NFRLT and
actual days AFRLT = nominal + a small jitter (none at day 0). Reproducible for a given seed.
"""
import math
import random
import sys

NOMINAL = [-3, 0, 1, 4, 7, 10, 14, 21, 28, 42, 56, 90, 120, 180, 270, 365]
DOSES = [("DL1", 1e6), ("DL2", 5e6), ("DL3", 2.5e7), ("DL4", 1e8)]
LLOQ = 50.0


def level(t, cmax, tmax, rho, alpha, beta, fb):
    if t <= tmax:
        return cmax * math.exp(rho * (t - tmax))
    tau = t - tmax
    return cmax * ((1 - fb) * math.exp(-alpha * tau) + fb * math.exp(-beta * tau))


def main():
    subjects = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261127)
    with open(out, "w", newline="") as f:
        f.write("USUBJID,COHORT,DOSE,NFRLT,AFRLT,AVAL,AVALC,LLOQ,AVALU\n")
        for s in range(subjects):
            cohort, dose = DOSES[s % len(DOSES)]
            cmax = 20000 * (dose / 2.5e7) ** 0.6 * math.exp(1.0 * rng.gauss(0, 1))
            tmax = rng.choice([7.0, 10.0, 14.0]) * math.exp(0.15 * rng.gauss(0, 1))
            rho = 0.8 * math.exp(0.3 * rng.gauss(0, 1))
            alpha = 0.25 * math.exp(0.3 * rng.gauss(0, 1))
            beta = 0.006 * math.exp(0.4 * rng.gauss(0, 1))
            fb = min(0.5, 0.05 * math.exp(0.6 * rng.gauss(0, 1)))
            subject = f"ST-{1001 + s:05d}"
            for day in NOMINAL:
                actual = day if day <= 0 else round(day + rng.uniform(-0.1, 0.1) * max(1, day ** 0.5), 2)
                if day < 0:
                    aval, avalc = "", "BLQ"
                elif rng.random() < 0.01:
                    aval, avalc = "", ""
                else:
                    value = level(actual, cmax, tmax, rho, alpha, beta, fb) * math.exp(0.3 * rng.gauss(0, 1))
                    if value < LLOQ:
                        aval, avalc = "", "BLQ"
                    else:
                        aval = f"{value:.1f}"
                        avalc = aval
                f.write(f"{subject},{cohort},{dose:g},{day},{actual},{aval},{avalc},{LLOQ:g},copies/ug\n")


if __name__ == "__main__":
    main()
