import CARKinetics
import Foundation

/// Subjects of the fit cohort (default 1,000; `BENCH_FIT_SUBJECTS` overrides it).
let fitSubjects = Int(ProcessInfo.processInfo.environment["BENCH_FIT_SUBJECTS"] ?? "") ?? 1_000

/// One subject's samples used by a fit: quantifiable levels at t ≥ 0, as ln C.
struct FitData {
    var times: [Double]
    var logs: [Double]
}

/// A single-start Stein fit: one Levenberg–Marquardt run from a start read off the data (observed peak, the
/// rising slope, α − β = 0.2/day, β = 0.005/day, fb = 0.05), on the estimation scale the library uses
/// (ln Cmax, ln Tmax, ln ρ, ln(α − β), ln β, logit fb) with the exact Jacobian. This is the per-fit cost a
/// fitter without multi-start would pay; it does not always reach the best optimum.
struct SingleStartStein {
    var solver: LevenbergMarquardt

    init(samples: Int) {
        solver = LevenbergMarquardt(parameterCount: 6, residualCount: samples)
    }

    static func start(_ data: FitData) -> [Double] {
        let peak = data.logs.indices.max { data.logs[$0] < data.logs[$1] } ?? 0
        let tmax = max(data.times[peak], 0.5)
        let rising =
            peak > 0 && data.times[peak] > data.times[0]
            ? (data.logs[peak] - data.logs[0]) / (data.times[peak] - data.times[0]) : 0.5
        return [data.logs[peak], log(tmax), log(max(rising, 0.05)), log(0.2), log(0.005), log(0.05 / 0.95)]
    }

    /// ln C(t) and, when `gradient` is given, its derivatives with respect to the six parameters.
    static func logValue(
        _ t: Double, _ p: UnsafeBufferPointer<Double>, _ gradient: UnsafeMutablePointer<Double>?
    ) -> Double {
        let tmax = exp(p[1])
        let rho = exp(p[2])
        if t <= tmax {
            if let g = gradient {
                g[0] = 1
                g[1] = -rho * tmax
                g[2] = rho * (t - tmax)
                g[3] = 0
                g[4] = 0
                g[5] = 0
            }
            return p[0] + rho * (t - tmax)
        }
        let d = exp(p[3])
        let beta = exp(p[4])
        let alpha = d + beta
        let fb = 1 / (1 + exp(-p[5]))
        let tau = t - tmax
        let ea = exp(-alpha * tau)
        let eb = exp(-beta * tau)
        let s = (1 - fb) * ea + fb * eb
        if let g = gradient {
            let dTau = (-alpha * (1 - fb) * ea - beta * fb * eb) / s
            let dAlpha = -tau * (1 - fb) * ea / s
            let dBeta = -tau * fb * eb / s
            g[0] = 1
            g[1] = -tmax * dTau
            g[2] = 0
            g[3] = d * dAlpha
            g[4] = beta * (dAlpha + dBeta)
            g[5] = fb * (1 - fb) * (eb - ea) / s
        }
        return p[0] + log(s)
    }

    mutating func fit(_ data: FitData) -> NonlinearFit {
        let m = data.times.count
        let g = UnsafeMutablePointer<Double>.allocate(capacity: 6)
        defer { g.deallocate() }
        return solver.minimize(
            start: Self.start(data),
            residuals: { p, r in
                for i in 0..<m { r[i] = data.logs[i] - Self.logValue(data.times[i], p, nil) }
            },
            jacobian: { p, j in
                for i in 0..<m {
                    _ = Self.logValue(data.times[i], p, g)
                    for k in 0..<6 { j[i + k * m] = -g[k] }
                }
            })
    }
}

nonisolated(unsafe) private var lastLAPACKFloorRate = Double.nan

/// Seconds per pivoted QR of a `rows × columns` Jacobian plus `Qᵀf`, through the library's LAPACK wrapper
/// (the work one Levenberg–Marquardt iteration cannot avoid), best of several timed batches.
func lapackFactorisationSeconds(rows: Int, columns: Int) -> Double {
    guard var qr = try? QRWorkspace(rows: rows, columns: columns, pivoting: true) else { return .nan }
    var rng = SplitMix64(state: 42)
    let matrix = (0..<(rows * columns)).map { _ in rng.normal() }
    var vector = [Double](repeating: 1, count: rows)
    let clock = ContinuousClock()
    let repeats = 20_000
    var best = Double.infinity
    for _ in 0..<5 {
        let begin = clock.now
        for _ in 0..<repeats {
            try? qr.factor { a in for i in 0..<a.count { a[i] = matrix[i] } }
            vector.withUnsafeMutableBufferPointer { try? qr.applyQTranspose($0) }
        }
        let d = clock.now - begin
        best = min(best, (Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18) / Double(repeats))
    }
    return best
}

/// `pkfit fit --model stein` (release binary, all cores, end to end) on a generated cohort, against a
/// single-start fit of the same model measured in this process on one core, and against scipy's
/// `least_squares` from the same start (`scripts/bench_scipy.py`, skipped when python3/scipy is missing).
/// Also reports how often the single start ends above the multi-start optimum.
let steinFitSection = BenchmarkSection(name: "fit", title: "pkfit fit --model stein vs single-start fits") {
    guard let pkfit = siblingExecutable("pkfit") else {
        print("  pkfit not found next to this benchmark; build it first: swift build -c release")
        return
    }
    do {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("fit-cohort.csv")
        let output = directory.appendingPathComponent("fit.csv")
        try CohortGenerator(subjects: fitSubjects, seed: 7).write(to: input)
        let profiles = try ProfileReader().read(contentsOf: input).profiles
        let data: [FitData] = profiles.map { profile in
            var d = FitData(times: [], logs: [])
            for o in profile.observations where o.time >= 0 {
                if case .value(let x) = o.measurement, x > 0 {
                    d.times.append(o.time)
                    d.logs.append(log(x))
                }
            }
            return d
        }.filter { $0.times.count >= 6 }
        print("  cohort: \(profiles.count) subjects, \(data.count) with ≥ 6 quantifiable samples")

        let run = bestOf(3, [pkfit, "fit", "--model", "stein", input.path, "--output", output.path])
        guard run.status == 0 else {
            print("  pkfit fit failed (status \(run.status))")
            return
        }
        let pkfitRate = Double(profiles.count) / run.seconds

        // Single start, one core: every subject once per pass, passes repeated for about a second.
        var solvers: [Int: SingleStartStein] = [:]
        var singleSSR = [Double](repeating: .nan, count: data.count)
        let clock = ContinuousClock()
        let begin = clock.now
        var fits = 0
        var elapsed = 0.0
        repeat {
            for (k, subject) in data.enumerated() {
                let m = subject.times.count
                var solver = solvers[m] ?? SingleStartStein(samples: m)
                singleSSR[k] = solver.fit(subject).ssr
                solvers[m] = solver
                fits += 1
            }
            let duration = clock.now - begin
            elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        } while elapsed < 1
        let singleRate = Double(fits) / elapsed

        print(
            "    pkfit fit --model stein             \(formatted(pkfitRate, digits: 4)) subjects/s wall (\(formatted(run.seconds * 1000, digits: 4)) ms, CPU \(formatted(run.cpuSeconds * 1000, digits: 4)) ms; \(formatted(Double(profiles.count) / run.cpuSeconds, digits: 4)) subjects per CPU-second)"
        )
        print(
            "    single-start LM, one core           \(formatted(singleRate, digits: 4)) fits/s   pkfit ÷ single-start ×\(formatted(pkfitRate / singleRate, digits: 3)) (wall), ×\(formatted(Double(profiles.count) / run.cpuSeconds / singleRate, digits: 3)) (per CPU-second)"
        )

        // The library's multi-start on one core, same subjects: its cost per fit relative to one start, and
        // how often the single start stops above the multi-start optimum.
        let fitter = KineticFitter(model: .stein)
        let multiBegin = clock.now
        var worse = 0
        var factorisations = 0
        for (k, subject) in data.enumerated() {
            guard let fit = try? fitter.fit(times: subject.times, values: subject.logs.map { exp($0) }) else {
                continue
            }
            factorisations += fit.iterations
            if let best = fit.ssr, !(singleSSR[k] <= best * (1 + 1e-6) + 1e-12) { worse += 1 }
        }
        let multiDuration = clock.now - multiBegin
        let multiRate =
            Double(data.count)
            / (Double(multiDuration.components.seconds) + Double(multiDuration.components.attoseconds) * 1e-18)
        print(
            "    multi-start KineticFitter, one core \(formatted(multiRate, digits: 4)) fits/s   ÷ single-start ×\(formatted(multiRate / singleRate, digits: 3)) (cost of robustness ×\(formatted(singleRate / multiRate, digits: 3)))"
        )
        print("    single start above the multi-start optimum (relative 1e-6) in \(worse) of \(data.count) subjects")

        // The floor this design puts under a fit: every LM iteration factorises the Jacobian through LAPACK
        // (pivoted QR and Qᵀf), so the multi-start's iteration count times that cost bounds the rate even if
        // the model, the trust-region step and the grid cost nothing.
        let perSubject = Double(factorisations) / Double(data.count)
        let typicalRows = data.map(\.times.count).sorted()[data.count / 2]
        let qrSeconds = lapackFactorisationSeconds(rows: typicalRows, columns: 6)
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let floorRate = cores / (perSubject * qrSeconds)
        print(
            "    LAPACK floor: \(formatted(perSubject, digits: 4)) Jacobian factorisations per subject × \(formatted(qrSeconds * 1e6, digits: 3)) µs (dgeqp3 + dormqr, \(typicalRows)×6)"
        )
        print(
            "      = at most \(formatted(floorRate, digits: 4)) subjects/s on \(Int(cores)) cores with everything else free"
        )
        lastLAPACKFloorRate = floorRate

        let script = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
            "scripts/bench_scipy.py")
        guard let python = onPath("python3"), FileManager.default.fileExists(atPath: script.path) else {
            print("    scipy: skipped (needs python3 and scripts/bench_scipy.py, run from the package root)")
            return
        }
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, input.path]
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("fits_per_second=") }),
            let scipyRate = Double(line.dropFirst("fits_per_second=".count))
        else {
            print("    scipy: skipped (\(text.split(separator: "\n").last ?? "no output"))")
            return
        }
        let ratio = pkfitRate / scipyRate
        print(
            "    scipy least_squares, 1 start        \(formatted(scipyRate, digits: 4)) fits/s   pkfit ÷ scipy ×\(formatted(ratio, digits: 3))   [target ≥ 20×: \(ratio >= 20 ? "met" : "NOT met")]"
        )
        print(
            "      the LAPACK floor above is ×\(formatted(lastLAPACKFloorRate / scipyRate, digits: 3)) scipy: the most this multi-start can reach on this machine"
        )
    } catch {
        print("  cannot run: \(error)")
    }
}
