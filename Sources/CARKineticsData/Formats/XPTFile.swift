import CARKineticsNumerics

/// A SAS transport file, version 5 (SAS technical note TS-140): the FDA's container for submitted datasets.
/// Version 8/9 files (`LIBV8`, the default of pyreadstat and R's haven) are read too: the same layout with
/// `…V8` header names, 32-character dataset and variable names, and a `LABELV8`/`LABELV9` section for labels
/// longer than 40 characters; they are never written.
///
/// The file is a stream of 80-byte records: a library header (three records), then per member (dataset) a
/// member header, a descriptor header, two records with the dataset name, label and type, a NAMESTR header
/// whose digits give the number of variables, one NAMESTR (140 bytes, or 136 as written on VMS) per variable
/// padded to a whole record, an OBS header, and the observations back to back with the last record padded
/// with blanks. All integers are big-endian; numbers are IBM hexadecimal floats of 2–8 bytes (`IBMFloat`).
public struct XPTFile: Sendable, Equatable {
    /// One variable of a dataset, as its NAMESTR describes it.
    public struct Variable: Sendable, Equatable {
        /// Name (≤ 8 characters).
        public var name: String
        /// Label (≤ 40 characters), possibly empty.
        public var label: String
        /// True for a numeric variable, false for a character one.
        public var isNumeric: Bool
        /// Bytes per value: 2–8 for numbers, 1–200 for text in version 5.
        public var length: Int
        /// Display format name (`nform`), e.g. `DATE`, possibly empty.
        public var format: String

        /// A variable description.
        public init(name: String, label: String = "", isNumeric: Bool, length: Int, format: String = "") {
            self.name = name
            self.label = label
            self.isNumeric = isNumeric
            self.length = length
            self.format = format
        }
    }

    /// One value of an observation.
    public enum Value: Sendable, Equatable {
        case number(Double)
        /// A missing number: `.` for the ordinary missing value, `_` or `A`–`Z` for the special ones.
        case missing(Character)
        /// Text with the blank padding on the right removed.
        case text(String)
    }

    /// One member (dataset) of the library.
    public struct Dataset: Sendable, Equatable {
        /// Name (≤ 8 characters).
        public var name: String
        /// Dataset label (≤ 40 characters), possibly empty.
        public var label: String
        public var variables: [Variable]
        /// Observations in file order, one value per variable.
        public var rows: [[Value]]

        /// A dataset.
        public init(name: String, label: String = "", variables: [Variable], rows: [[Value]]) {
            self.name = name
            self.label = label
            self.variables = variables
            self.rows = rows
        }
    }

    /// The members in file order.
    public var datasets: [Dataset]

    /// A library of `datasets`.
    public init(datasets: [Dataset]) {
        self.datasets = datasets
    }
}

extension XPTFile {
    private static let record = 80
    private static let prefix = "HEADER RECORD*******"
    /// The header records of one version: 5 (TS-140) or 8/9 (long names and labels).
    private struct Headers {
        let member: [UInt8], descriptor: [UInt8], namestr: [UInt8], obs: [UInt8]
        /// Width of the dataset name in the member descriptor: 8, or 32 in version 8.
        let nameWidth: Int
        let isVersion8: Bool

        init(version8: Bool) {
            func header(_ kind: String) -> [UInt8] { Array((XPTFile.prefix + kind + "HEADER RECORD!!!!!!!").utf8) }
            isVersion8 = version8
            member = header(version8 ? "MEMBV8  " : "MEMBER  ")
            descriptor = header(version8 ? "DSCPTV8 " : "DSCRPTR ")
            namestr = header(version8 ? "NAMSTV8 " : "NAMESTR ")
            obs = header(version8 ? "OBSV8   " : "OBS     ")
            nameWidth = version8 ? 32 : 8
        }
    }
    private static let longLabels8 = Array((prefix + "LABELV8 HEADER RECORD!!!!!!!").utf8)
    private static let longLabels9 = Array((prefix + "LABELV9 HEADER RECORD!!!!!!!").utf8)

    /// Parses the bytes of a transport file; `file` names it in errors, which give the record (80-byte block
    /// of the file, 1-based) or the observation and variable at fault.
    public init(bytes: [UInt8], file: String) throws(DataError) {
        func fail(_ message: String) -> DataError { DataError(file: file, message: message) }
        func at(_ offset: Int, _ what: String) -> DataError {
            DataError(file: file, location: "file record \(offset / Self.record + 1)", message: what)
        }
        func matches(_ offset: Int, _ magic: [UInt8]) -> Bool {
            offset + magic.count <= bytes.count && bytes[offset..<offset + magic.count].elementsEqual(magic)
        }
        let version8 = matches(0, TableFormat.xpt8Magic)
        guard version8 || matches(0, TableFormat.xptMagic) else {
            throw fail("is not a SAS transport file (the first record is not the library header)")
        }
        let headers = Headers(version8: version8)
        var offset = 3 * Self.record
        var datasets: [Dataset] = []
        while offset < bytes.count {
            // Blank padding after the last member ends the file.
            if bytes[offset...].allSatisfy({ $0 == 0x20 || $0 == 0 }) { break }
            guard matches(offset, headers.member) else { throw at(offset, "expected a MEMBER header record") }
            let namestrLength = Self.integer(bytes, offset + 74, 4) ?? 0
            guard namestrLength == 140 || namestrLength == 136 else {
                throw at(
                    offset,
                    "the MEMBER header gives a NAMESTR length of \(String(decoding: bytes[Swift.min(bytes.count, offset + 74)..<Swift.min(bytes.count, offset + 78)], as: UTF8.self)); expected 140 or 136"
                )
            }
            guard matches(offset + Self.record, headers.descriptor) else {
                throw at(offset + Self.record, "expected a DSCRPTR header record")
            }
            let descriptor = offset + 2 * Self.record
            guard descriptor + 2 * Self.record <= bytes.count else {
                throw at(descriptor, "the file ends inside a member header")
            }
            let name = try Self.text(
                bytes[descriptor + 8..<descriptor + 8 + headers.nameWidth], file: file, at: descriptor)
            let label = try Self.text(
                bytes[descriptor + Self.record + 32..<descriptor + Self.record + 72], file: file, at: descriptor)
            let namestrs = descriptor + 2 * Self.record
            guard matches(namestrs, headers.namestr), let count = Self.integer(bytes, namestrs + 48, 10) else {
                throw at(namestrs, "expected a NAMESTR header record with the number of variables")
            }
            var variables: [Variable] = []
            var positions: [Int] = []
            var start = namestrs + Self.record
            let end = start + count * namestrLength
            guard count > 0, end <= bytes.count else {
                throw at(
                    namestrs,
                    "the NAMESTR header announces \(count) variables; the file \(count == 0 ? "needs at least one" : "ends before their descriptions")"
                )
            }
            for k in 0..<count {
                let n = start + k * namestrLength
                let type = Self.binary(bytes, n, 2)
                let length = Self.binary(bytes, n + 4, 2)
                var variableName = try Self.text(bytes[n + 8..<n + 16], file: file, at: n)
                // Version 8 keeps the full name (≤ 32) after the 88 bytes of version 5.
                if headers.isVersion8, namestrLength == 140 {
                    let long = try Self.text(bytes[n + 88..<n + 120], file: file, at: n)
                    if !long.isEmpty { variableName = long }
                }
                guard type == 1 || type == 2 else {
                    throw at(
                        n,
                        "variable \(k + 1) ('\(variableName)') has type \(type); expected 1 (numeric) or 2 (character)")
                }
                guard type == 2 ? length >= 1 : (2...8).contains(length) else {
                    throw at(
                        n,
                        "variable \(variableName) has length \(length); expected \(type == 2 ? "at least 1" : "2 to 8") for a \(type == 2 ? "character" : "numeric") variable"
                    )
                }
                variables.append(
                    Variable(
                        name: variableName, label: try Self.text(bytes[n + 16..<n + 56], file: file, at: n),
                        isNumeric: type == 1, length: length,
                        format: try Self.text(bytes[n + 56..<n + 64], file: file, at: n)))
                positions.append(Self.binary(bytes, n + 84, 4))
            }
            start = end + (Self.record - (end % Self.record)) % Self.record
            if headers.isVersion8, matches(start, Self.longLabels8) || matches(start, Self.longLabels9) {
                start = try Self.longLabels(
                    bytes, at: start, version9: matches(start, Self.longLabels9),
                    variables: &variables, file: file)
            }
            guard matches(start, headers.obs) else { throw at(start, "expected the OBS header record") }
            let rowLength = zip(positions, variables).map { $0 + $1.length }.max() ?? 0
            for (k, variable) in variables.enumerated()
            where positions[k] < 0 || positions[k] + variable.length > rowLength {
                throw at(namestrs, "variable \(variable.name) lies outside the observation")
            }
            let data = start + Self.record
            var next = data
            while next < bytes.count, !matches(next, headers.member) { next += Self.record }
            next = Swift.min(next, bytes.count)
            var rows: [[Value]] = []
            var rowStart = data
            while rowStart + rowLength <= next {
                let row = bytes[rowStart..<rowStart + rowLength]
                // Blank padding in the last record is not an observation (TS-140).
                if next - rowStart < Self.record, row.allSatisfy({ $0 == 0x20 }),
                    bytes[rowStart..<next].allSatisfy({ $0 == 0x20 })
                {
                    break
                }
                var values: [Value] = []
                values.reserveCapacity(variables.count)
                for (k, variable) in variables.enumerated() {
                    let cell = bytes[rowStart + positions[k]..<rowStart + positions[k] + variable.length]
                    if variable.isNumeric {
                        if let x = IBMFloat.decode(cell) {
                            values.append(.number(x))
                        } else {
                            values.append(.missing(IBMFloat.missingCode(cell[cell.startIndex]) ?? "."))
                        }
                    } else {
                        do {
                            values.append(.text(try Self.text(cell, file: file, at: rowStart)))
                        } catch {
                            throw DataError(
                                file: file, line: rows.count + 1, column: variable.name,
                                location: "dataset \(name), record \(rows.count + 1), variable \(variable.name)",
                                message: error.message)
                        }
                    }
                }
                rows.append(values)
                rowStart += rowLength
            }
            if rowStart < next, !bytes[rowStart..<next].allSatisfy({ $0 == 0x20 || $0 == 0 }) {
                throw at(
                    rowStart,
                    "dataset \(name) ends with \(next - rowStart) bytes that are not a whole observation of \(rowLength) bytes"
                )
            }
            datasets.append(Dataset(name: name, label: label, variables: variables, rows: rows))
            offset = next
        }
        guard !datasets.isEmpty else { throw fail("is a SAS transport library without datasets") }
        self.datasets = datasets
    }

    /// Reads a version 8 (`LABELV8`: number, name length, label length, name, label) or version 9 (`LABELV9`:
    /// also format and informat lengths and texts) long-label section starting at the header record at `offset`,
    /// sets the variables' names and labels, and returns the offset of the record after it.
    private static func longLabels(
        _ bytes: [UInt8], at offset: Int, version9: Bool, variables: inout [Variable], file: String
    ) throws(DataError) -> Int {
        func fail(_ at: Int, _ message: String) -> DataError {
            DataError(file: file, location: "file record \(at / record + 1)", message: message)
        }
        let digits = bytes[(offset + 48)..<Swift.min(bytes.count, offset + 80)].prefix { (0x30...0x39).contains($0) }
        guard !digits.isEmpty, digits.count <= 6 else {
            throw fail(offset, "the long-label header has no count of labels")
        }
        let count = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        var at = offset + record
        let fields = version9 ? 5 : 3
        for _ in 0..<count {
            guard at + 2 * fields <= bytes.count else { throw fail(at, "the file ends inside the long labels") }
            let numbers = (0..<fields).map { binary(bytes, at + 2 * $0, 2) }
            let number = numbers[0]
            let nameLength = numbers[1]
            let labelLength = numbers[2]
            let textLength = numbers.dropFirst().reduce(0, +)
            at += 2 * fields
            guard at + textLength <= bytes.count else { throw fail(at, "the file ends inside the long labels") }
            guard number >= 1, number <= variables.count else {
                throw fail(at, "a long label is for variable \(number); the dataset has \(variables.count)")
            }
            let name = try text(bytes[at..<at + nameLength], file: file, at: at)
            let label = try text(bytes[at + nameLength..<at + nameLength + labelLength], file: file, at: at)
            if !name.isEmpty { variables[number - 1].name = name }
            variables[number - 1].label = label
            at += textLength
        }
        return at + (record - at % record) % record
    }

    /// The decimal number in `bytes[offset ..< offset + count]`, or nil if those are not all digits.
    private static func integer(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int? {
        guard offset + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[offset..<offset + count] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// The big-endian unsigned integer in `bytes[offset ..< offset + count]` (caller checked the bounds).
    private static func binary(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int {
        var value = 0
        for byte in bytes[offset..<offset + count] { value = value << 8 | Int(byte) }
        return value
    }

    /// Text with its right padding (blanks, and NUL bytes some writers use) removed; UTF-8 (ASCII in
    /// version 5) without NUL bytes inside.
    private static func text(_ bytes: ArraySlice<UInt8>, file: String, at offset: Int) throws(DataError) -> String {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0x20 || bytes[end - 1] == 0 { end -= 1 }
        let trimmed = bytes[bytes.startIndex..<end]
        if let nul = trimmed.firstIndex(of: 0) {
            throw DataError(
                file: file, location: "file record \(offset / record + 1)",
                message: "text contains a NUL byte at position \(nul - bytes.startIndex + 1)")
        }
        guard let string = String(validating: trimmed, as: UTF8.self) else {
            throw DataError(
                file: file, location: "file record \(offset / record + 1)",
                message:
                    "text is not ASCII or UTF-8 (\(trimmed.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }.joined())); re-export it as ASCII or UTF-8"
            )
        }
        return string
    }
}

extension DataError {
    /// An error with a format-specific location (see ``location``).
    init(file: String, line: Int? = nil, column: String? = nil, location: String?, message: String) {
        self.init(file: file, line: line, column: column, message: message)
        self.location = location
    }
}

extension XPTFile {
    /// The member to analyse: the only one, or the one named by `--dataset` (case-insensitive).
    func dataset(
        named wanted: String?, file: String, advice: String = "by naming its dataset"
    ) throws(DataError) -> Dataset {
        let names = datasets.map(\.name).joined(separator: ", ")
        if let wanted {
            guard let found = datasets.first(where: { $0.name.uppercased() == wanted.uppercased() }) else {
                throw DataError(file: file, message: "has no dataset '\(wanted)'; it holds \(names)")
            }
            return found
        }
        guard datasets.count == 1, let only = datasets.first else {
            throw DataError(file: file, message: "holds \(datasets.count) datasets (\(names)); choose one \(advice)")
        }
        return only
    }

    /// The chosen member as text cells: record k (1-based) is line k; the header has number 0.
    static func table(
        _ bytes: [UInt8], file: String, dataset: String?, advice: String = "by naming its dataset"
    ) throws(DataError) -> CellTable {
        let member = try XPTFile(bytes: bytes, file: file).dataset(named: dataset, file: file, advice: advice)
        let records = member.rows.enumerated().map { (k, row) in
            CellTable.Record(
                number: k + 1,
                cells: row.map { value in
                    switch value {
                    case .number(let x): CellTable.cell(x)
                    case .missing: ""
                    case .text(let s): s
                    }
                })
        }
        var table = CellTable(
            header: member.variables.map(\.name), headerNumber: 0, records: records,
            places: .xpt(member: member.name))
        for (k, variable) in member.variables.enumerated() where variable.isNumeric {
            guard let kind = dateFormatKind(variable.format) else { continue }
            table.caveats.append(
                CellTable.Caveat(
                    column: k, line: nil, reach: .number,
                    message:
                        "has the SAS format \(variable.format) (\(kind)), a calendar value, not a time since dose or a measured value; use a relative time variable (AFRLT, ARRLT) or convert it first"
                ))
        }
        return table
    }

    /// What a numeric variable of SAS display format `format` holds, when the format is a date, time or
    /// datetime one (by name, as SAS documents its format families; `E8601DT`, `DATETIME`, `DATE`, `TIME`, …);
    /// nil for other formats (`BEST`, `8.3`, none).
    static func dateFormatKind(_ format: String) -> String? {
        let name = format.uppercased().trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return nil }
        // ISO 8601 families: E8601DA/DT/DN/DZ/TM/TZ/LZ, B8601…, IS8601…; the letters after the digits tell
        // date (DA, DN), datetime (DT, DX, DZ) or time (TM, TZ, LZ, TX).
        for prefix in ["E8601", "B8601", "IS8601"] where name.hasPrefix(prefix) {
            let kind = name.dropFirst(prefix.count)
            if kind.hasPrefix("DA") || kind.hasPrefix("DN") { return "days since 1 January 1960" }
            if kind.hasPrefix("D") { return "seconds since 1 January 1960" }
            return "seconds since midnight"
        }
        let datetimes = ["DATETIME", "DATEAMPM", "DTDATE", "DTMONYY", "DTWKDATX", "DTYEAR", "DTYYQC", "MDYAMPM"]
        if datetimes.contains(where: { name.hasPrefix($0) }) { return "seconds since 1 January 1960" }
        let times = ["TIME", "TOD", "HHMM", "HOUR", "MMSS"]
        if times.contains(where: { name.hasPrefix($0) }) { return "seconds" }
        let dates = [
            "DATE", "DAY", "DDMMYY", "DOWNAME", "JULDAY", "JULIAN", "MMDDYY", "MMYY", "MONNAME", "MONTH", "MONYY",
            "NENGO", "NLDATE", "QTR", "WEEKDATE", "WEEKDAY", "WEEKU", "WEEKV", "WEEKW", "WORDDATE", "YEAR", "YYMM",
            "YYMMDD", "YYMON", "YYQ", "MINGUO",
        ]
        if dates.contains(where: { name.hasPrefix($0) }) { return "days since 1 January 1960" }
        return nil
    }
}
