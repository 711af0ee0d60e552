import CARKineticsNumerics

/// The one time unit of several input files' times: results are computed on one time axis, so files whose times
/// are in different units (after any conversion asked for) are refused rather than mixed, and a file that states
/// no unit is not read beside one that does (days would be assumed for it, beside a file that says otherwise).
package enum TimeUnitAgreement {
    /// One file's times: their unit (after conversion) and where the file's own unit came from.
    package struct File {
        package var name: String
        package var unit: TimeUnit
        package var source: TimeUnitSource

        package init(name: String, unit: TimeUnit, source: TimeUnitSource) {
            self.name = name
            self.unit = unit
            self.source = source
        }
    }

    /// The files' common unit and whether every file left it unstated (days assumed); days, assumed, for none.
    package static func common(_ files: [File]) throws(DataError) -> (unit: TimeUnit, assumed: Bool) {
        guard let first = files.first else { return (.days, true) }
        if let stated = files.first(where: { $0.source != .assumed }),
            let unstated = files.first(where: { $0.source == .assumed })
        {
            throw DataError(
                file: unstated.name,
                message:
                    "states no time unit (days would be assumed) while \(MessageText.escaped(stated.name)) states \(describe(stated)); state the time unit of every file"
            )
        }
        if let other = files.first(where: { $0.unit != first.unit }) {
            throw DataError(
                file: other.name,
                message:
                    "has times in \(describe(other)) but \(MessageText.escaped(first.name)) in \(describe(first)); files in different time units are not mixed: ask for one output time unit to convert them"
            )
        }
        return (first.unit, first.source == .assumed)
    }

    /// `hours (column FRLTU)`.
    private static func describe(_ file: File) -> String {
        switch file.source {
        case .column(let name): "\(file.unit.plural) (column \(name))"
        case .given: "\(file.unit.plural) (given)"
        case .assumed: "\(file.unit.plural) (assumed)"
        }
    }
}
