import ArgumentParser
import CARKinetics

/// Input files and how to read their columns; shared by commands that read long-format CSV.
struct InputOptions: ParsableArguments {
    @Argument(help: "Long-format files, one row per sample: CSV, SAS transport v5 (.xpt), CDISC Dataset-JSON or Excel .xlsx (told by content; docs/input-formats.md).")
    var files: [String]

    @Option(help: "Subject column (default: USUBJID, SUBJID, subject, ID or patient_id).")
    var subject: String?

    @Option(help: "Time column, days since infusion (default: AFRLT, ARELTM, time, day or days).")
    var time: String?

    @Option(help: "Concentration column (default: AVAL, value, conc or concentration).")
    var value: String?

    @Option(help: "Column carried to the output; repeatable. Each subject × group combination is one profile.")
    var group: [String] = []

    @Option(help: "LLOQ: a column name or a number. Values below it are BLQ.")
    var lloq: String?

    @Option(help: "Unit column (default: AVALU, unit or units if present).")
    var unit: String?

    @Option(help: "SAS transport or Dataset-JSON v1.0 file with several datasets: the one to read.")
    var dataset: String?

    @Option(help: "Excel workbook: the sheet to read (default: the first).")
    var sheet: String?

    @Option(name: .customLong("header-row"), help: "Excel workbook: the row holding the column names, as Excel numbers it (default: the first non-empty row).")
    var headerRow: Int?

    var selection: ColumnSelection {
        var lloqSource: LLOQSource?
        if let lloq {
            if let number = Double(lloq), number.isFinite, number >= 0 {
                lloqSource = .constant(number)
            } else {
                lloqSource = .column(lloq)
            }
        }
        var selection = ColumnSelection(subject: subject, time: time, value: value, groups: group, lloq: lloqSource, unit: unit)
        selection.table = TableChoice(dataset: dataset, sheet: sheet, headerRow: headerRow)
        return selection
    }

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one CSV file.") }
        if let headerRow, !(1...1_048_576).contains(headerRow) {
            throw ValidationError("--header-row \(headerRow): expected a row number from 1 to 1048576.")
        }
    }
}
