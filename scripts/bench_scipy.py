#!/usr/bin/env python3
"""Single-start scipy least_squares fits of the Stein model, the baseline of `CARKineticsBenchmarks fit`.

Usage: bench_scipy.py COHORT.csv   (USUBJID,AFRLT,AVAL,AVALU as written by the benchmark's generator)

Same model, scale, start and exact Jacobian as SingleStartStein in
Sources/CARKineticsBenchmarks/SteinFitBenchmark.swift: ln C on (ln Cmax, ln Tmax, ln rho, ln(alpha-beta),
ln beta, logit fb), one start per subject, scipy's default method ('trf'). Prints fits_per_second=<rate>.
Exits 3 with a message when scipy is not installed.
"""
import csv
import math
import sys
import time

try:
    import numpy as np
    from scipy.optimize import least_squares
except ImportError as error:  # the benchmark skips this baseline
    print(f"scipy not available ({error})")
    sys.exit(3)


def read(path):
    subjects = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            t, v = float(row["AFRLT"]), row["AVAL"]
            try:
                x = float(v)
            except ValueError:
                continue
            if t >= 0 and x > 0:
                subjects.setdefault(row["USUBJID"], []).append((t, math.log(x)))
    data = []
    for samples in subjects.values():
        samples.sort()
        if len(samples) >= 6:
            data.append((np.array([s[0] for s in samples]), np.array([s[1] for s in samples])))
    return data


def model(p, t):
    lcmax, tmax, rho = p[0], math.exp(p[1]), math.exp(p[2])
    d, beta = math.exp(p[3]), math.exp(p[4])
    alpha, fb = d + beta, 1 / (1 + math.exp(-p[5]))
    tau = t - tmax
    rising = t <= tmax
    taup = np.where(rising, 0.0, tau)
    ea, eb = np.exp(-alpha * taup), np.exp(-beta * taup)
    s = (1 - fb) * ea + fb * eb
    f = np.where(rising, lcmax + rho * tau, lcmax + np.log(s))
    g = np.zeros((t.size, 6))
    g[:, 0] = 1
    dtau = (-alpha * (1 - fb) * ea - beta * fb * eb) / s
    dalpha = -taup * (1 - fb) * ea / s
    dbeta = -taup * fb * eb / s
    g[:, 1] = np.where(rising, -rho * tmax, -tmax * dtau)
    g[:, 2] = np.where(rising, rho * tau, 0.0)
    g[:, 3] = np.where(rising, 0.0, d * dalpha)
    g[:, 4] = np.where(rising, 0.0, beta * (dalpha + dbeta))
    g[:, 5] = np.where(rising, 0.0, fb * (1 - fb) * (eb - ea) / s)
    return f, g


def start(t, y):
    peak = int(np.argmax(y))
    tmax = max(t[peak], 0.5)
    rising = (y[peak] - y[0]) / (t[peak] - t[0]) if peak > 0 and t[peak] > t[0] else 0.5
    return np.array([y[peak], math.log(tmax), math.log(max(rising, 0.05)), math.log(0.2), math.log(0.005),
                     math.log(0.05 / 0.95)])


def main():
    np.seterr(all="ignore")  # trial steps may overflow; least_squares rejects them, as LM does
    data = read(sys.argv[1])
    begin = time.perf_counter()
    fits = 0
    while True:
        for t, y in data:
            least_squares(lambda p: y - model(p, t)[0], start(t, y), jac=lambda p: -model(p, t)[1])
            fits += 1
        elapsed = time.perf_counter() - begin
        if elapsed >= 2 or fits >= 4 * len(data):
            break
    print(f"subjects={len(data)}")
    print(f"fits_per_second={fits / elapsed}")


if __name__ == "__main__":
    main()
