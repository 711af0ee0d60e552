import Foundation

/// SplitMix64: a small, fast, reproducible generator, so every run of the benchmark writes the same file.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in (0, 1).
    mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992
    }

    /// A standard normal deviate (Box–Muller).
    mutating func normal() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }
}

/// One subject's true Stein-model parameters (Stein et al. 2019: exponential expansion to Tmax, then a
/// bi-exponential decline, a fast contraction α and a slow persistence β with fraction fb).
struct SteinSubject {
    var cmax: Double
    var tmax: Double
    var rho: Double
    var alpha: Double
    var beta: Double
    var fraction: Double

    func level(at t: Double) -> Double {
        if t <= tmax { return cmax * exp(rho * (t - tmax)) }
        let tau = t - tmax
        return cmax * ((1 - fraction) * exp(-alpha * tau) + fraction * exp(-beta * tau))
    }

    /// Parameters spread like a CAR-T cohort: Cmax log-normal around 2·10⁴ copies/µg, Tmax 7–14 days.
    static func random(_ rng: inout SplitMix64) -> SteinSubject {
        SteinSubject(
            cmax: 20_000 * exp(1.2 * rng.normal()),
            tmax: [7.0, 10, 14][Int(rng.next() % 3)] * exp(0.15 * rng.normal()),
            rho: 0.8 * exp(0.3 * rng.normal()),
            alpha: 0.25 * exp(0.3 * rng.normal()),
            beta: 0.006 * exp(0.4 * rng.normal()),
            fraction: min(0.5, 0.05 * exp(0.6 * rng.normal())))
    }
}

/// A long-format CAR-T cohort CSV (`USUBJID,AFRLT,AVAL,AVALU`), one row per sample: a pre-infusion sample
/// (day −3, BLQ), then days 0–365 with log-normal assay noise (CV ≈ 30 %), values under the LLOQ of 50 written
/// `BLQ`, and about 1 % empty (missing) cells.
struct CohortGenerator {
    static let days: [Double] = [-3, 0, 1, 4, 7, 10, 14, 21, 28, 56, 90, 180, 270, 365]
    static let lloq = 50.0

    var subjects: Int
    /// Visit-major order (every subject's first sample, then every subject's second, ...): the worst case
    /// for grouping rows by subject, since no two consecutive rows share one.
    var interleaved = false
    /// When set, a `FRLTU` column stating this time unit on every row (the days of the cohort are then read as
    /// stated, not assumed).
    var timeUnit: String?
    var seed: UInt64 = 20_190_101

    var rows: Int { subjects * Self.days.count }

    /// Writes the file and returns the true parameters of every subject, in subject order.
    @discardableResult
    func write(to url: URL) throws -> [SteinSubject] {
        var rng = SplitMix64(state: seed)
        let truth = (0..<subjects).map { _ in SteinSubject.random(&rng) }
        // Cells are drawn per subject in subject order, whatever the row order, so both layouts hold the same data.
        var cells = [[String]](repeating: [], count: subjects)
        for s in 0..<subjects {
            cells[s] = Self.days.map { day in
                if day < 0 { return "BLQ" }
                if rng.uniform() < 0.01 { return "" }
                let level = truth[s].level(at: day) * exp(0.3 * rng.normal())
                if level < Self.lloq { return "BLQ" }
                return "\((level * 10).rounded() / 10)"
            }
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        buffer.append(contentsOf: "USUBJID,AFRLT,AVAL,AVALU\(timeUnit == nil ? "" : ",FRLTU")\n".utf8)
        let unitCell = timeUnit.map { ",\($0)" } ?? ""
        func row(_ s: Int, _ k: Int) throws {
            buffer.append(
                contentsOf: "CART-\(100_000 + s),\(Self.days[k]),\(cells[s][k]),copies/ug\(unitCell)\n".utf8)
            if buffer.count > (1 << 20) - 256 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if interleaved {
            for k in Self.days.indices { for s in 0..<subjects { try row(s, k) } }
        } else {
            for s in 0..<subjects { for k in Self.days.indices { try row(s, k) } }
        }
        try handle.write(contentsOf: buffer)
        return truth
    }
}
