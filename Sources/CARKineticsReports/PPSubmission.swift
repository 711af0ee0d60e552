import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The PP dataset and its SUPPPP as submission datasets (`pkfit nca --format pp --output pp.xpt` or `pp.json`):
/// the rows of ``PPExport`` (the same as the CSV's) with their ``PPVariable`` names, labels and types, written as SAS
/// transport version 5 (``XPTFile``) or CDISC Dataset-JSON v1.1 (``datasetJSON(_:variables:study:created:)``);
/// docs/pp-output.md. Text is ASCII (checked again here), names ≤ 8 and labels ≤ 40 characters, each text
/// variable as long as its longest value.
public struct PPSubmission: Sendable {
    /// Values the NCA input does not hold.
    public struct Settings: Sendable, Equatable {
        /// `STUDYID` when the input has no `STUDYID` column (`--study`).
        public var study: String?
        /// `PPCAT` (`--analyte`), e.g. `CAR-T transgene`.
        public var analyte: String?
        /// `PPSPEC` (`--specimen`), e.g. `BLOOD`.
        public var specimen: String?
        /// How the caller's users give `study`, quoted when it is missing (a command line passes `--study`);
        /// nil words it generically.
        public var studyHint: String?

        /// Settings; nil leaves the variable empty (`study` nil requires a `STUDYID` column).
        public init(study: String? = nil, analyte: String? = nil, specimen: String? = nil) {
            self.study = study
            self.analyte = analyte
            self.specimen = specimen
        }
    }

    /// Why the dataset cannot be written.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// A PP export as submission datasets: PP and SUPPPP, and the NCA behind them.
    public struct Datasets: Sendable {
        /// The PP dataset (member `PP`).
        public var pp: XPTFile.Dataset
        /// Its variables (``PPVariable/pp(referenceTime:)``).
        public var variables: [PPVariable]
        /// The SUPPPP dataset (member `SUPPPP`); no rows when no PP record has a qualifier.
        public var supplement: XPTFile.Dataset
        /// The NCA, for its ledgers and audit.
        public var nca: NCAAnalysis.Output
    }

    /// Reads `files`, runs the NCA of `analysis` and builds the PP and SUPPPP datasets (``PPExport``, with
    /// `settings`). Throws `DataError` for the input and ``Failure`` for the datasets.
    public static func export(_ analysis: NCAAnalysis, files: [URL], settings: Settings) throws -> Datasets {
        let output = try PPExport(analysis, settings: settings).export(files: files)
        return Datasets(
            pp: try dataset(output.pp, variables: output.variables, name: "PP", label: "Pharmacokinetic Parameters"),
            variables: output.variables,
            supplement: try dataset(
                output.supplement, variables: PPVariable.supppp, name: "SUPPPP",
                label: "Supplemental Qualifiers for PP"),
            nca: output.nca)
    }

    /// `table` (whose columns are `variables`' names) as a dataset: text as is (already ASCII), numbers as
    /// doubles, an empty number as the missing value `.`; each text variable as long as its longest value (at
    /// least 1, at most 200 bytes, the version 5 limit), numbers 8 bytes.
    public static func dataset(
        _ table: ResultTable, variables: [PPVariable], name: String, label: String
    ) throws(Failure) -> XPTFile.Dataset {
        guard table.columns == variables.map(\.name) else {
            throw Failure(message: "the \(name) table's columns are not the \(name) variables")
        }
        var rows: [[XPTFile.Value]] = []
        rows.reserveCapacity(table.rows.count)
        var lengths = [Int](repeating: 1, count: variables.count)
        for (r, row) in table.rows.enumerated() {
            var values: [XPTFile.Value] = []
            values.reserveCapacity(variables.count)
            for (k, (variable, cell)) in zip(variables, row).enumerated() {
                if variable.isNumeric {
                    switch cell {
                    case .number(let x): values.append(.number(x))
                    case .integer(let n): values.append(.number(Double(n)))
                    case .text, .empty: values.append(.missing("."))
                    }
                } else {
                    let text = Self.text(cell)
                    guard PPText.isASCII(text) else {
                        throw Failure(
                            message:
                                "\(variable.name) '\(MessageText.capped(text))' (\(name) row \(r + 1)) is not ASCII; SAS transport v5 and submission datasets hold ASCII text"
                        )
                    }
                    lengths[k] = Swift.max(lengths[k], text.utf8.count)
                    values.append(.text(text))
                }
            }
            rows.append(values)
        }
        var described: [XPTFile.Variable] = []
        for (variable, length) in zip(variables, lengths) {
            guard variable.isNumeric || length <= 200 else {
                throw Failure(
                    message:
                        "a \(variable.name) value is \(length) characters long; SAS transport v5 holds at most 200")
            }
            described.append(
                XPTFile.Variable(
                    name: variable.name, label: variable.label, isNumeric: variable.isNumeric,
                    length: variable.isNumeric ? 8 : length))
        }
        return XPTFile.Dataset(name: name, label: label, variables: described, rows: rows)
    }

    private static func text(_ cell: ResultCell) -> String {
        switch cell {
        case .text(let s): s
        case .number(let x): CSVWriter.number(x)
        case .integer(let n): String(n)
        case .empty: ""
        }
    }

    /// The dataset as CDISC Dataset-JSON v1.1: metadata, `columns` (with `length` for text and `keySequence`
    /// for keys, from `variables`, the dataset's ``PPVariable`` list) and `rows`, numbers as shortest round-trip
    /// decimals (integers without a fraction), missing numbers as `null`. `created` is written as UTC.
    public static func datasetJSON(
        _ dataset: XPTFile.Dataset, variables: [PPVariable], study: String, created: Date = Date()
    ) -> String {
        let stamp = ISO8601DateFormatter().string(from: created).replacingOccurrences(of: "Z", with: "")
        let kinds = Dictionary(variables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var out = "{\n"
        out += "\"datasetJSONCreationDateTime\": \(quoted(stamp)),\n\"datasetJSONVersion\": \"1.1.0\",\n"
        out += "\"fileOID\": \(quoted("CARKinetics.\(dataset.name).\(study)")),\n\"originator\": \"CARKinetics\",\n"
        out += "\"sourceSystem\": {\"name\": \"CARKinetics pkfit\", \"version\": \(quoted(PackageVersion.current))},\n"
        out += "\"studyOID\": \(quoted(study)),\n\"metaDataVersionOID\": \"MDV.PP\",\n"
        out += "\"itemGroupOID\": \(quoted("IG." + dataset.name)),\n"
        out +=
            "\"records\": \(dataset.rows.count),\n\"name\": \(quoted(dataset.name)),\n\"label\": \(quoted(dataset.label)),\n"
        out += "\"columns\": [\n"
        out += dataset.variables.map { v in
            let variable = kinds[v.name]
            let type =
                switch variable?.kind ?? (v.isNumeric ? .double : .text) {
                case .integer: "integer"
                case .double: "double"
                case .text: "string"
                }
            return
                "  {\"itemOID\": \(quoted("IT.\(dataset.name).\(v.name)")), \"name\": \(quoted(v.name)), \"label\": \(quoted(v.label)), \"dataType\": \"\(type)\""
                + (v.isNumeric ? "" : ", \"length\": \(v.length)")
                + (variable?.key.map { ", \"keySequence\": \($0)" } ?? "") + "}"
        }.joined(separator: ",\n")
        out += "\n],\n\"rows\": [\n"
        out += dataset.rows.map { row in
            "  ["
                + row.map { value in
                    switch value {
                    case .text(let s): quoted(s)
                    case .number(let x):
                        x.isFinite
                            ? (x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : CSVWriter.number(x)) : "null"
                    case .missing: "null"
                    }
                }.joined(separator: ", ") + "]"
        }.joined(separator: ",\n")
        out += (dataset.rows.isEmpty ? "" : "\n") + "]\n}\n"
        return out
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
