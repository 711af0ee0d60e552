import Foundation

/// Rows of the generated cohort (default 1,000,000; `BENCH_ROWS` overrides it for quick runs).
let benchmarkRows = Int(ProcessInfo.processInfo.environment["BENCH_ROWS"] ?? "") ?? 1_000_000

/// `pkfit nca` on a generated 1M-row cohort, end to end as a user runs it (release `pkfit` binary, output to a
/// file), against `wc -l` on the same file in the same run — the cost of merely reading the bytes. Reports the
/// wall-time ratio (target ≤ 10×), rows/s, subjects/s, the rate relative to PKNCA's quoted ~20 ms per subject
/// (target ≥ 1000×), the peak RSS of the NCA run (target < 200 MB), and the fixed cost of any run (pkfit on a
/// one-row file) as a multiple of the baseline, and the same run with `--audit` (the audit streamed: targets
/// under 3× the time without and under 150 MB). Every time is the best of 5 runs,
/// after the generated file has been flushed to disk (so its write-back does not compete with the runs).
let ncaThroughputSection = BenchmarkSection(name: "nca", title: "pkfit nca on a generated CAR-T cohort vs wc -l") {
    guard let pkfit = siblingExecutable("pkfit") else {
        print("  pkfit not found next to this benchmark; build it first: swift build -c release")
        return
    }
    guard let wc = onPath("wc") else {
        print("  wc not found on PATH")
        return
    }
    let pkncaSecondsPerSubject = 0.020
    do {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // What any run costs before it reads a row: process start-up, runtime initialisation, exit.
        let tiny = directory.appendingPathComponent("one-row.csv")
        try Data("USUBJID,AFRLT,AVAL\nS1,1,100\n".utf8).write(to: tiny)
        let fixed = bestOf(
            5, [pkfit, "nca", tiny.path, "--output", directory.appendingPathComponent("one-row-nca.csv").path])
        let subjects = max(1, benchmarkRows / CohortGenerator.days.count)
        for interleaved in [false, true] {
            let generator = CohortGenerator(subjects: subjects, interleaved: interleaved)
            let input = directory.appendingPathComponent(interleaved ? "cohort-interleaved.csv" : "cohort.csv")
            try generator.write(to: input)
            try FileHandle(forReadingFrom: input).synchronize()
            let output = directory.appendingPathComponent("nca.csv")
            let size = (try FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int) ?? 0
            let layout = interleaved ? "visit-major (no two consecutive rows share a subject)" : "subject-contiguous"
            print(
                "  file: \(generator.rows) rows, \(subjects) subjects, \(formatted(Double(size) / 1e6, digits: 3)) MB, \(layout)"
            )

            let baseline = bestOf(5, [wc, "-l", input.path])
            let nca = bestOf(5, [pkfit, "nca", input.path, "--output", output.path])
            let audited = bestOf(
                5,
                [
                    pkfit, "nca", input.path, "--output", output.path,
                    "--audit", directory.appendingPathComponent("audit.csv").path,
                ])
            guard baseline.status == 0, nca.status == 0, audited.status == 0 else {
                print(
                    "  a run failed (wc status \(baseline.status), pkfit status \(nca.status), with --audit \(audited.status))"
                )
                continue
            }
            let rowsPerSecond = Double(generator.rows) / nca.seconds
            let subjectsPerSecond = Double(subjects) / nca.seconds
            let versusPKNCA = subjectsPerSecond * pkncaSecondsPerSubject
            let ratio = nca.seconds / baseline.seconds
            print("    wc -l (baseline)          \(formatted(baseline.seconds * 1000, digits: 4)) ms")
            print(
                "    pkfit nca --output        \(formatted(nca.seconds * 1000, digits: 4)) ms   ratio to wc -l ×\(formatted(ratio, digits: 3))   [target ≤ 10×: \(ratio <= 10 ? "met" : "NOT met")]"
            )
            print(
                "    of which fixed cost       \(formatted(fixed.seconds * 1000, digits: 3)) ms = ×\(formatted(fixed.seconds / baseline.seconds, digits: 3)) wc -l (pkfit nca on a one-row file: start-up and exit)"
            )
            print(
                "    CPU time (user+sys)       wc -l \(formatted(baseline.cpuSeconds * 1000, digits: 4)) ms, pkfit nca \(formatted(nca.cpuSeconds * 1000, digits: 4)) ms (over \(ProcessInfo.processInfo.activeProcessorCount) cores)"
            )
            print("    rows/s                    \(formatted(rowsPerSecond, digits: 4))")
            print(
                "    subjects/s                \(formatted(subjectsPerSecond, digits: 4))   vs PKNCA (quoted ~20 ms/subject = 50/s) ×\(formatted(versusPKNCA, digits: 4))   [target ≥ 1000×: \(versusPKNCA >= 1000 ? "met" : "NOT met")]"
            )
            print(
                "    peak RSS of pkfit nca     \(formatted(Double(nca.peakBytes) / 1e6, digits: 4)) MB   [target < 200 MB: \(nca.peakBytes < 200_000_000 ? "met" : "NOT met")]"
            )
            let auditRatio = audited.seconds / nca.seconds
            print(
                "    audit: with --audit       \(formatted(audited.seconds * 1000, digits: 4)) ms = ×\(formatted(auditRatio, digits: 3)) the run without   [target < 3×: \(auditRatio < 3 ? "met" : "NOT met")]   peak RSS \(formatted(Double(audited.peakBytes) / 1e6, digits: 4)) MB   [target < 150 MB: \(audited.peakBytes < 150_000_000 ? "met" : "NOT met")]"
            )
            guard !interleaved else { continue }
            // The time unit: the same cohort with an FRLTU column (every row's unit cell checked), and its times
            // converted to hours when read (--output-time-unit h), against the run above.
            var stated = generator
            stated.timeUnit = "d"
            let statedInput = directory.appendingPathComponent("cohort-frltu.csv")
            try stated.write(to: statedInput)
            try FileHandle(forReadingFrom: statedInput).synchronize()
            let withUnit = bestOf(5, [pkfit, "nca", statedInput.path, "--output", output.path])
            let converted = bestOf(
                5, [pkfit, "nca", statedInput.path, "--output-time-unit", "h", "--output", output.path])
            guard withUnit.status == 0, converted.status == 0 else {
                print("  a time-unit run failed (status \(withUnit.status), converted \(converted.status))")
                continue
            }
            print(
                "    time unit: FRLTU column   \(formatted(withUnit.seconds * 1000, digits: 4)) ms = ×\(formatted(withUnit.seconds / nca.seconds, digits: 3)); converted to hours \(formatted(converted.seconds * 1000, digits: 4)) ms = ×\(formatted(converted.seconds / nca.seconds, digits: 3)) the run without (CPU \(formatted(withUnit.cpuSeconds * 1000, digits: 4)) / \(formatted(converted.cpuSeconds * 1000, digits: 4)) ms)"
            )
        }
    } catch {
        print("  cannot generate the cohort: \(error)")
    }
}
