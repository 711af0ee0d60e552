import CARKineticsData
import CARKineticsNumerics

/// What a streamed NCA run did with every observation of its input files, one byte per stored row, kept so
/// the audit (`--audit`) can be written afterwards by re-reading the files line by line
/// (``NCAAnalysis/writeAudit(_:files:to:)``) instead of holding every profile's treatments and every row's
/// text at once.
///
/// A row's fate is decided when its profile is analysed (a BLQ row's treatment depends on where it lies
/// relative to the profile's quantifiable levels), so the streamed analysis records it then, at the row's
/// place in file order; blank and excluded lines are already in the ledgers.
public struct NCARowFates: Sendable {
    /// One ledger per input file, in the order the files were given.
    public var ledgers: [RowLedger]
    /// Per file: the line of every stored row, in file order (rows excluded after reading, such as duplicate
    /// times, included; their code is 0).
    package var lines: [[Int32]]
    /// Per file: each stored row's fate code (``NCAAnalysis/auditCode(_:_:)``), 0 for a row that is no
    /// observation of any profile; empty when the run did not record fates.
    package var codes: [[UInt8]]
    /// The unit of every time, rate and area written, and whether no input stated it (days assumed).
    public var timeUnit: TimeUnit = .days
    public var timeUnitAssumed = true
}

extension NCAAnalysis {
    /// The audit fate and detail of each code of ``auditCode(_:_:)``; code 0 (no observation) is never looked up.
    package static let auditFates: [(fate: AuditFate, detail: String)] = {
        let positions = [
            "(before the first quantifiable level)", "(between quantifiable levels)",
            "(after the last quantifiable level)",
        ]
        var table: [(fate: AuditFate, detail: String)] = [(.excluded, ""), (.used, ""), (.missing, "empty value")]
        for prefix in ["", "observed 0; "] {
            for treatment in ["set to 0 ", "dropped "] {
                for position in positions { table.append((.blq, prefix + treatment + position)) }
            }
        }
        table += [
            (.preInfusion, "used as C(0)"), (.preInfusion, "used as C(0) = 0"),
            (.preInfusion, "used as C(0) = 0 (below the limit)"), (.preInfusion, "not used"),
            (.used, "λz point chosen by hand (reason: lambda_z_reason of the NCA output)"),
            (.used, "left out of λz by hand (reason: lambda_z_reason of the NCA output)"),
        ]
        return table
    }()

    /// ``auditCode(_:_:)`` for an observation at `time` of a profile whose terminal phase was chosen by hand:
    /// a quantifiable sample in the chosen range, or one of the excluded times, has a code of its own.
    static func auditCode(
        _ treatment: PointTreatment, _ measurement: MeasuredValue, time: Double, choice: LambdaZChoice?
    ) -> UInt8 {
        if let choice, treatment == .quantifiable {
            switch choice.points {
            case .range(let first, let last) where time >= first && time <= last: return 19
            case .excluding(let times) where times.contains(time): return 20
            default: break
            }
        }
        return auditCode(treatment, measurement)
    }

    /// What NCA did with one observation, as a small code into ``auditFates``: the treatment, and for a BLQ
    /// row whether it was an observed 0, and for the sample carried to time 0 what it carried.
    static func auditCode(_ treatment: PointTreatment, _ measurement: MeasuredValue) -> UInt8 {
        func position(_ position: BLQPosition) -> UInt8 {
            switch position {
            case .first: 0
            case .middle: 1
            case .last: 2
            }
        }
        let zero: UInt8 = measurement == .value(0) ? 6 : 0
        switch treatment {
        case .quantifiable: return 1
        case .missing: return 2
        case .belowLimitAsZero(let p): return 3 + zero + position(p)
        case .belowLimitDropped(let p): return 6 + zero + position(p)
        case .preInfusionCarriedToZero:
            switch measurement {
            case .value(let x) where x > 0: return 15
            case .value: return 16
            default: return 17
            }
        case .preInfusionIgnored: return 18
        }
    }
}
