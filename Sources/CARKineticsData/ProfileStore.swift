import CARKineticsNumerics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rows of one file grouped into profiles, held in flat columnar arrays rather than per-row objects.
///
/// Rows stay in file order in five parallel arrays (profile number, time, level, measurement kind, line:
/// 25 bytes a row); `order` lists the row numbers of profile `p` at `order[starts[p] ..< starts[p + 1]]`,
/// sorted by time (ties in file order). So rows of one subject need not be contiguous in the file, and the
/// memory is about 29 bytes per row plus the identifiers per profile, whatever the number of subjects.
/// `Profile` values are built on demand, one at a time, by whoever analyses them.
package struct ProfileStore: Sendable {
    enum Kind: UInt8 {
        /// `levels` holds the value.
        case value
        case belowLimitUnstated
        /// `levels` holds the limit.
        case belowLimit
        case missing
    }

    package internal(set) var file: String
    package internal(set) var subjects: [String] = []
    package internal(set) var groups: [[String]] = []
    /// Per profile: an index into `unitNames`, or −1 for none.
    var unitIDs: [Int32] = []
    var unitNames: [String] = []

    var rowProfiles: [Int32] = []
    var times: [Double] = []
    var levels: [Double] = []
    var kinds: [UInt8] = []
    package internal(set) var lines: [Int32] = []

    package internal(set) var starts: [Int] = []
    package internal(set) var order: [Int32] = []
    package internal(set) var ledger: RowLedger
    /// The unit of `times`: the input's, or the one they were converted into when read.
    package internal(set) var timeUnit: TimeUnit = .days
    /// The unit the file's times are written in, and where that was learnt.
    package internal(set) var inputTimeUnit: TimeUnit = .days
    package internal(set) var timeUnitSource: TimeUnitSource = .assumed

    package var profileCount: Int { subjects.count }

    /// The level unit of each profile, nil where it states none.
    package var levelUnits: [String?] { unitIDs.map { $0 >= 0 ? unitNames[Int($0)] : nil } }

    /// Profile `p` with its observations sorted by time.
    package func profile(_ p: Int) -> Profile {
        var observations: [Observation] = []
        observations.reserveCapacity(starts[p + 1] - starts[p])
        for k in starts[p]..<starts[p + 1] {
            let row = Int(order[k])
            observations.append(Observation(time: times[row], measurement: measurement(row), line: Int(lines[row])))
        }
        let unit = unitIDs[p] >= 0 ? unitNames[Int(unitIDs[p])] : nil
        return Profile(subject: subjects[p], groups: groups[p], observations: observations, unit: unit)
    }

    package func measurement(_ row: Int) -> MeasuredValue {
        Self.measurement(kind: kinds[row], level: levels[row])
    }

    /// The measurement stored as `kind` and `level`.
    static func measurement(kind: UInt8, level: Double) -> MeasuredValue {
        switch Kind(rawValue: kind) ?? .missing {
        case .value: .value(level)
        case .belowLimitUnstated: .belowLimit(lloq: nil)
        case .belowLimit: .belowLimit(lloq: level)
        case .missing: .missing
        }
    }

    /// How `measurement` is stored: its kind and its level (the value or the limit, 0 for neither).
    static func stored(_ measurement: MeasuredValue) -> (kind: UInt8, level: Double) {
        switch measurement {
        case .value(let x): (Kind.value.rawValue, x)
        case .belowLimit(let limit?): (Kind.belowLimit.rawValue, limit)
        case .belowLimit(nil): (Kind.belowLimitUnstated.rawValue, 0)
        case .missing: (Kind.missing.rawValue, 0)
        }
    }

    /// First line on which profile `p` appears; 1 for a profile whose rows were all excluded (as the
    /// ``ProfileCollection`` check does for a profile without observations).
    package func firstLine(_ p: Int) -> Int {
        guard starts[p] < starts[p + 1] else { return 1 }
        var line = Int.max
        for k in starts[p]..<starts[p + 1] { line = min(line, Int(lines[Int(order[k])])) }
        return line
    }
}
