@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// A profile from (time, level) pairs; nil level = BLQ, `.nan` = missing. Lines count from 2 in the given order.
func makeProfile(_ points: [(Double, Double?)], subject: String = "S1") -> Profile {
    let observations = points.enumerated().map { k, point in
        let measurement: MeasuredValue
        switch point.1 {
        case nil: measurement = .belowLimit(lloq: nil)
        case let x? where x.isNaN: measurement = .missing
        case let x?: measurement = .value(x)
        }
        return Observation(time: point.0, measurement: measurement, line: k + 2)
    }.sorted { $0.time < $1.time }
    return Profile(subject: subject, observations: observations)
}

func interval(_ a: Double, _ b: Double) -> AUCInterval {
    guard let result = AUCInterval(start: a, end: b) else { fatalError("bad test interval \(a),\(b)") }
    return result
}
