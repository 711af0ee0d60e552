import ArgumentParser
import CARKinetics
import Foundation

/// Input files and how to read their columns; shared by commands that read long-format CSV.
struct InputOptions: ParsableArguments {
    @Argument(
        help:
            "Long-format files, one row per sample: CSV, SAS transport v5 (.xpt), CDISC Dataset-JSON or Excel .xlsx (told by content; docs/input-formats.md); - reads standard input."
    )
    var files: [String]

    @Option(help: "Subject column (default: USUBJID, SUBJID, subject, ID or patient_id).")
    var subject: String?

    @Option(help: "Time column, days since infusion (default: AFRLT, ARELTM, time, day or days).")
    var time: String?

    @Option(help: "Concentration column (default: AVAL, value, conc or concentration).")
    var value: String?

    @Option(
        help:
            "Column carried to the output; repeatable. Its value must be the same on every row of a subject (a change is an error naming both lines)."
    )
    var group: [String] = []

    @Option(
        name: .customLong("profile-by"),
        help:
            "Column whose values split a subject into several profiles (analyte, period); repeatable. Shown like a group column."
    )
    var profileBy: [String] = []

    @Option(help: "LLOQ: a column name or a number (the number grammar of data cells). Values below it are BLQ.")
    var lloq: String?

    @Option(help: "Unit column (default: AVALU, unit or units if present).")
    var unit: String?

    @Option(help: "SAS transport or Dataset-JSON v1.0 file with several datasets: the one to read.")
    var dataset: String?

    @Option(help: "Excel workbook: the sheet to read (default: the first).")
    var sheet: String?

    @Option(
        name: .customLong("header-row"),
        help:
            "Excel workbook: the row holding the column names, as Excel numbers it (default: the first non-empty row).")
    var headerRow: Int?

    var selection: ColumnSelection {
        var lloqSource: LLOQSource?
        if let lloq {
            if case .number(let number) = NumberText.parse(lloq) {
                lloqSource = .constant(number)
            } else {
                lloqSource = .column(lloq)
            }
        }
        var selection = ColumnSelection(
            subject: subject, time: time, value: value, groups: group, profileBy: profileBy,
            lloq: lloqSource, unit: unit)
        selection.table = TableChoice(dataset: dataset, sheet: sheet, headerRow: headerRow)
        selection.table.namingHints = [.dataset: "--dataset", .headerRow: "--header-row"]
        selection.namingHints = [
            .subject: "--subject", .time: "--time", .value: "--value", .unit: "--unit", .profileBy: "--profile-by",
        ]
        return selection
    }

    /// The column options that can be checked without reading a file; the rest (a group that is the subject
    /// column found by name, two spellings of one column) are refused when the header is read.
    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one CSV file.") }
        try StandardInput.prepare(files)
        if let headerRow, !(1...1_048_576).contains(headerRow) {
            throw ValidationError("--header-row \(headerRow): expected a row number from 1 to 1048576.")
        }
        if let lloq {
            // One number grammar: text that reads as a number is never taken for a column name.
            switch NumberText.parse(lloq) {
            case .number(let number) where number < 0:
                throw ValidationError("--lloq '\(lloq)': a limit must be >= 0")
            case .outOfRange(let message):
                throw ValidationError("--lloq: \(message); give a finite number or a column name")
            default: break
            }
        }
        for (flag, names) in [("--group", group), ("--profile-by", profileBy)] {
            var seen = Set<String>()
            for name in names where !seen.insert(name.lowercased()).inserted {
                throw ValidationError("\(flag) '\(name)' is given twice")
            }
        }
        if let both = group.first(where: { name in profileBy.contains { $0.lowercased() == name.lowercased() } }) {
            throw ValidationError("column '\(both)' cannot be both --group and --profile-by")
        }
        for (flag, role) in [("--subject", subject), ("--time", time), ("--value", value)] {
            if let role, let clash = (group + profileBy).first(where: { $0.lowercased() == role.lowercased() }) {
                throw ValidationError("column '\(clash)' cannot be both a group and the \(flag) column")
            }
        }
    }
}

extension InputOptions {
    /// The input files as URLs, `-` standing for standard input (`StandardInput`).
    var urls: [URL] { StandardInput.urls(files) }
}
