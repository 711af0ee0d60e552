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

    @Option(help: "Time column, time since infusion (default: AFRLT, ARELTM, time, day or days).")
    var time: String?

    @Option(
        name: .customLong("time-unit"),
        help:
            "Unit of the input's times: min, h, d or w (also minute(s), hr, hour(s), day(s), wk, week(s), any case). Default: the FRLTU/RRLTU/ARELTMU/time_unit column, else days (assumed, and said so). A unit column that disagrees is an error."
    )
    var timeUnit: String?

    @Option(
        name: .customLong("output-time-unit"),
        help:
            "Unit of every time, rate and area written (times are converted when read); default: the input's. Needed to read files in different units together."
    )
    var outputTimeUnit: String?

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

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp(
            "Read only rows whose COLUMN cell is VALUE (COLUMN=VALUE) or is not VALUE (COLUMN!=VALUE); repeatable: conditions on different columns must all hold, several = on one column select any of the values. Exact text after trimming blanks, case-sensitive; others are counted as not-selected.",
            valueName: "COLUMN=VALUE"))
    var rowConditions: [String] = []

    /// The `--where` conditions, parsed (validate() has checked them).
    var rowFilters: [RowFilter] { rowConditions.compactMap { try? RowFilter(parsing: $0) } }

    /// The column selection of the options, adapted to the input files' headers: an ADNCA file's analyte
    /// column (PARAMCD, else PARAM) becomes the `analyte` profile column (docs/input-formats.md).
    var selection: ColumnSelection {
        optionSelection.adapted(toHeadersOf: urls)
    }

    private var optionSelection: ColumnSelection {
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
        selection.timeUnit = timeUnit.flatMap { TimeUnit(parsing: $0) }
        selection.outputTimeUnit = outputTimeUnit.flatMap { TimeUnit(parsing: $0) }
        selection.table = TableChoice(dataset: dataset, sheet: sheet, headerRow: headerRow)
        selection.table.namingHints = [.dataset: "--dataset", .headerRow: "--header-row"]
        selection.namingHints = [
            .subject: "--subject", .time: "--time", .value: "--value", .unit: "--unit", .profileBy: "--profile-by",
            .timeUnit: "--time-unit", .outputTimeUnit: "--output-time-unit", .rowFilter: "--where",
        ]
        selection.rowFilters = rowFilters
        return selection
    }

    /// Says on standard error that days were assumed when no input stated the unit of its times (the outputs'
    /// `time_unit` is then `day`), so nobody reads hours as days without being told.
    static func noteTimeUnit(assumed: Bool) {
        guard assumed else { return }
        StandardStreams.writeError(
            "note: times assumed to be in days (no FRLTU/RRLTU/ARELTMU/time_unit column and no --time-unit)\n")
    }

    /// The column options that can be checked without reading a file; the rest (a group that is the subject
    /// column found by name, two spellings of one column) are refused when the header is read.
    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one CSV file.") }
        try StandardInput.prepare(files)
        for (flag, text) in [("--time-unit", timeUnit), ("--output-time-unit", outputTimeUnit)] {
            if let text, TimeUnit(parsing: text) == nil {
                throw ValidationError("\(flag) '\(text)': not a time unit; expected \(TimeUnit.acceptedSpellings)")
            }
        }
        for condition in rowConditions {
            do {
                _ = try RowFilter(parsing: condition)
            } catch {
                throw ValidationError("--where \(error.description)")
            }
        }
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
