import CARKinetics
import Foundation

/// Two subjects; S2 has two profiles (analyte A and B) when the analysis has group columns.
private let observations = [
    Observation(time: 0, measurement: .belowLimit(lloq: 5), line: 2),
    Observation(time: 1, measurement: .value(1000), line: 3),
    Observation(time: 2, measurement: .value(400), line: 4),
    Observation(time: 3, measurement: .value(150), line: 5),
    Observation(time: 4.5, measurement: .value(90), line: 6),
    Observation(time: 7, measurement: .value(20), line: 7),
    Observation(time: 10, measurement: .belowLimit(lloq: 5), line: 8),
]

private func profiles(grouped: Bool) -> [Profile] {
    guard grouped else {
        return [
            Profile(subject: "S1", observations: observations),
            Profile(subject: "S2", observations: observations),
        ]
    }
    return [
        Profile(subject: "S1", groups: ["C1", "A"], observations: observations),
        Profile(subject: "S2", groups: ["C1", "A"], observations: observations),
        Profile(subject: "S2", groups: ["C1", "B"], observations: observations),
    ]
}

/// libFuzzer entry point for the λz points file (`--lambda-z-points`). The first byte picks the analysis's group
/// columns (none, or COHORT and ANALYTE); the rest is the file. A thrown ``DataError`` naming the file is fine; a
/// trap, an error without a line where a row is at fault, or an accepted file that breaks the format's promises
/// (empty subject or reason, a range that is not first < last, a negative or non-finite time, an exclusion listed
/// twice) is a bug. An accepted file is then checked against fixed profiles and applied: a profile it names gets
/// its choice, and a range's fit lies inside the range with at least 3 points.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLambdaZPoints(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let grouped = selector % 2 == 1
    let points: LambdaZPoints
    do {
        points = try LambdaZPoints(
            bytes: Array(bytes.dropFirst()), file: "points.csv", groupColumns: grouped ? ["COHORT", "ANALYTE"] : [])
    } catch {
        if error.file != "points.csv" { fatalError("error names another file: \(error)") }
        return 0
    }
    for entry in points.entries {
        if entry.subject.isEmpty || entry.choice.reason.isEmpty || entry.line < 2 {
            fatalError("accepted an empty subject or reason, or a row on line \(entry.line)")
        }
        switch entry.choice.points {
        case .range(let first, let last):
            if !(first.isFinite && last.isFinite && first >= 0 && first < last) {
                fatalError("accepted the range \(first)–\(last)")
            }
        case .excluding(let times):
            if times.isEmpty || Set(times).count != times.count || !times.allSatisfy({ $0.isFinite && $0 >= 0 }) {
                fatalError("accepted the exclusions \(times)")
            }
        }
    }
    let options = NCAOptions(lambdaZPoints: points)
    let all = profiles(grouped: grouped)
    do {
        try points.check(all, options: options)
    } catch {
        if error.file != "points.csv" || error.line == nil { fatalError("check error without its line: \(error)") }
        return 0
    }
    for profile in all {
        let result = NCA.analyze(profile, options: options)
        let chosen = points.choice(subject: profile.subject, groups: profile.groups)
        if result.lambdaZChoice != chosen { fatalError("choice not applied to \(profile.subject)") }
        if case .range(let first, let last) = chosen?.points, case .success(let fit) = result.lambdaZ {
            if fit.points < 3 || fit.timeFirst < first || fit.timeLast > last || !fit.lambdaZ.isFinite {
                fatalError("range \(first)–\(last) gave \(fit)")
            }
        }
    }
    return 0
}
