import CARKineticsNumerics
import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An Excel workbook (`.xlsx`, Office Open XML): a ZIP archive (read by ZIPFoundation) of XML parts (read by
/// Foundation's `XMLParser`). `xl/workbook.xml` lists the sheets by name, `xl/_rels/workbook.xml.rels` maps
/// them to their parts, `xl/sharedStrings.xml` holds the text of cells of type `s`.
///
/// Cells become text as stored: numbers as the decimal text of `<v>` (Excel and openpyxl write the shortest
/// round-trip form, so it reads back to the same double), shared and inline strings as their text (rich-text
/// runs joined, phonetic guides left out), booleans as `true`/`false`, formulas as their cached value, error
/// values (`#N/A`) as written. Dates are serial day numbers, as Excel stores them. Row n of the sheet is the
/// audit's line n; errors name the cell, `qPCR!C14`.
enum Workbook {
    /// The largest part expanded (a guard against a ZIP bomb); a worksheet of a million rows is far smaller.
    static let maxPartSize: UInt64 = 256 << 20

    static func table(_ bytes: [UInt8], file: String, choice: TableChoice) throws(DataError) -> CellTable {
        // Two defects of ZIPFoundation 0.9.20 on damaged archives, both found by FuzzXLSX, are kept away here:
        // - its in-memory archive traps when offsets point past the end (Archive+MemoryFile.readData builds a
        //   negative range), so the bytes go through a private temporary file (removed when done);
        // - its inflater and stored-entry reader loop forever once the file ends inside an entry (a short read is
        //   not an error there). So the staged file is the archive, then zeros (a sparse hole: no disk used), then
        //   a copy of the end-of-central-directory record, which ZIPFoundation looks for at the end. Within the
        //   zeros every inflater state either fails (block header 00: stored with LEN = NLEN = 0; a code-length
        //   table of zeros) or emits at least one byte per 15 bits, and the consumer below stops an entry that
        //   emits more than it declared; a stored entry reads at most its declared size, checked to fit the file.
        guard let end = endOfCentralDirectory(bytes) else {
            throw DataError(
                file: file,
                message: "starts like a ZIP archive (an .xlsx workbook) but has no end-of-central-directory record")
        }
        let hole = UInt64(Swift.max(Int(2 * maxPartSize), bytes.count)) + (1 << 20)
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("carkinetics-\(UUID().uuidString).xlsx")
        do {
            try Data(bytes).write(to: scratch, options: .withoutOverwriting)
            let handle = try FileHandle(forWritingTo: scratch)
            defer { try? handle.close() }
            try handle.truncate(atOffset: UInt64(bytes.count) + hole)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(bytes[end...]))
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw DataError(
                file: file, message: "cannot be staged for reading as a workbook (\(error.localizedDescription))")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let archive: Archive
        do {
            archive = try Archive(url: scratch, accessMode: .read)
        } catch {
            throw DataError(
                file: file,
                message: "starts like a ZIP archive (an .xlsx workbook) but cannot be opened as one (\(error))")
        }
        func part(_ path: String) throws(DataError) -> Data? {
            guard let entry = archive[path] else { return nil }
            guard entry.uncompressedSize <= maxPartSize else {
                throw DataError(
                    file: file,
                    message:
                        "part \(path) expands to \(entry.uncompressedSize) bytes; more than the \(maxPartSize) read")
            }
            guard entry.compressedSize <= UInt64(bytes.count) else {
                throw DataError(
                    file: file,
                    message:
                        "part \(path) claims \(entry.compressedSize) compressed bytes in a file of \(bytes.count); the archive is damaged"
                )
            }
            let declared = entry.uncompressedSize
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    data.append(chunk)
                    if UInt64(data.count) > declared { throw CocoaError(.fileReadCorruptFile) }
                }
            } catch is CocoaError {
                throw DataError(
                    file: file,
                    message:
                        "part \(path) of the workbook is damaged: it inflates to more than the \(declared) bytes it declares"
                )
            } catch {
                throw DataError(file: file, message: "part \(path) of the workbook cannot be read (\(error))")
            }
            return data
        }
        guard let workbookXML = try part("xl/workbook.xml") else {
            throw DataError(
                file: file, message: "is a ZIP archive without xl/workbook.xml, so not an Excel .xlsx workbook")
        }
        let sheets = try parse(workbookXML, file: file, part: "xl/workbook.xml", into: SheetList())
        guard !sheets.sheets.isEmpty else { throw DataError(file: file, message: "is a workbook without sheets") }
        let names = sheets.sheets.map { "'\($0.name)'" }.joined(separator: ", ")
        let sheet: SheetList.Sheet
        if let wanted = choice.sheet {
            guard
                let found = sheets.sheets.first(where: { $0.name == wanted })
                    ?? sheets.sheets.first(where: { $0.name.lowercased() == wanted.lowercased() })
            else {
                throw DataError(file: file, message: "has no sheet '\(wanted)'; its sheets are \(names)")
            }
            sheet = found
        } else if let first = sheets.sheets.first {
            sheet = first
        } else {
            throw DataError(file: file, message: "is a workbook without sheets")
        }
        var target = "xl/worksheets/sheet1.xml"
        if let relations = try part("xl/_rels/workbook.xml.rels") {
            let map = try parse(relations, file: file, part: "xl/_rels/workbook.xml.rels", into: Relations())
            guard let found = map.targets[sheet.relation] else {
                throw DataError(file: file, message: "sheet '\(sheet.name)' has no part in xl/_rels/workbook.xml.rels")
            }
            target = found.hasPrefix("/") ? String(found.dropFirst()) : "xl/" + found
        }
        var shared: [String] = []
        if let strings = try part("xl/sharedStrings.xml") {
            shared = try parse(strings, file: file, part: "xl/sharedStrings.xml", into: SharedStrings()).strings
        }
        var dateStyles: [Int: String] = [:]
        if let styles = try part("xl/styles.xml") {
            dateStyles = try parse(styles, file: file, part: "xl/styles.xml", into: Styles()).dateStyles
        }
        guard let sheetXML = try part(target) else {
            throw DataError(file: file, message: "sheet '\(sheet.name)' (\(target)) is missing from the workbook")
        }
        let cells = try parse(
            sheetXML, file: file, part: target,
            into: SheetCells(shared: shared, dateStyles: dateStyles, sheet: sheet.name, file: file))
        if let error = cells.error { throw error }
        var table = try table(
            cells.rows, sheet: sheet.name, file: file, headerRow: choice.headerRow,
            headerRowOption: choice.namingHints[.headerRow])
        table.caveats = caveats(cells.marks, below: table.headerNumber, columns: table.header.count)
        return table
    }

    /// The first marked cell of each column below the header, as caveats (``CellTable/Caveat``).
    private static func caveats(_ marks: [SheetCells.Mark], below header: Int, columns: Int) -> [CellTable.Caveat] {
        var first: [Int: SheetCells.Mark] = [:]
        for mark in marks where mark.row > header && mark.column < columns && first[mark.column] == nil {
            first[mark.column] = mark
        }
        return first.values.sorted { $0.column < $1.column }.map { mark in
            switch mark.kind {
            case .dateStyle(let format):
                CellTable.Caveat(
                    column: mark.column, line: mark.row, reach: .number,
                    message:
                        "is formatted as a date or time (\(format)): Excel stores it as days since 30 December 1899 (a time of day or duration as a fraction of a day), not a time since dose or a measured value; give the column a number format (General) holding relative times"
                )
            case .isoDate:
                CellTable.Caveat(
                    column: mark.column, line: mark.row, reach: .number,
                    message:
                        "is a date cell (type d, an ISO 8601 date), not a time since dose or a measured value; write relative times as numbers"
                )
            case .errorValue(let text):
                CellTable.Caveat(
                    column: mark.column, line: mark.row, reach: .text,
                    message:
                        "holds the error value \(text), not a value; correct or clear the cell, or leave the column out"
                )
            case .uncomputedFormula:
                CellTable.Caveat(
                    column: mark.column, line: mark.row, reach: .any,
                    message:
                        "holds a formula without a computed value (the program that wrote the workbook did not calculate it), so its value is unknown, not missing; open and save the workbook in Excel or LibreOffice, or write values instead of formulas"
                )
            }
        }
    }

    /// A description of a number format that shows a date, time or duration, e.g. `number format 14` or
    /// `number format 'yyyy-mm-dd hh:mm'`; nil for a number format. Built-in ids 14–22 and 45–47 are dates
    /// and times (ECMA-376 §18.8.30), 27–36 and 50–58 East Asian dates; a custom code is a date or time when,
    /// outside quoted text, escaped characters and bracketed conditions, colours or locales (but counting the
    /// elapsed-time brackets `[h]`, `[m]`, `[s]`), it has one of the letters y, m, d, h, s, as Excel
    /// classifies them (`0.00E+00` and `General` are numbers).
    static func dateFormat(id: Int, code: String?) -> String? {
        if let code {
            var inQuote = false
            var inBracket = false
            var bracket = ""
            var skip = false
            for character in code.lowercased() {
                if skip {
                    skip = false
                    continue
                }
                if inQuote {
                    if character == "\"" { inQuote = false }
                    continue
                }
                if inBracket {
                    if character == "]" {
                        inBracket = false
                        if ["h", "hh", "m", "mm", "s", "ss"].contains(bracket) { return "number format '\(code)'" }
                    } else {
                        bracket.append(character)
                    }
                    continue
                }
                switch character {
                case "\"": inQuote = true
                case "[":
                    inBracket = true
                    bracket = ""
                case "\\", "_", "*": skip = true
                case "y", "m", "d", "h", "s": return "number format '\(code)'"
                default: break
                }
            }
            // A code that shows no date part is a number format, whatever its id.
            return nil
        }
        switch id {
        case 14...22, 27...36, 45...47, 50...58: return "built-in number format \(id), a date or time format"
        default: return nil
        }
    }

    /// The header row (given, or the first with a value) and the rows below it, over the columns from A to the
    /// header's last non-empty cell.
    private static func table(
        _ rows: [(Int, [Int: String])], sheet: String, file: String, headerRow: Int?, headerRowOption: String?
    ) throws(DataError) -> CellTable {
        let quoted = sheetName(sheet)
        let headerIndex: Int
        if let headerRow {
            guard let k = rows.firstIndex(where: { $0.0 == headerRow && $0.1.values.contains { !$0.isEmpty } }) else {
                throw DataError(
                    file: file, line: headerRow, location: "\(quoted)!\(headerRow):\(headerRow)",
                    message:
                        "row \(headerRow)\(headerRowOption.map { " (\($0))" } ?? "") is empty; expected the column names"
                )
            }
            headerIndex = k
        } else {
            guard let k = rows.firstIndex(where: { $0.1.values.contains { !$0.isEmpty } }) else {
                throw DataError(
                    file: file, location: quoted, message: "sheet is empty; expected a header row and data rows")
            }
            headerIndex = k
        }
        let (headerNumber, headerCells) = rows[headerIndex]
        // Columns run from A (as a CSV export's would, so an unnamed index column written by pandas is a column
        // with an empty name, not a stray value) to the last named one.
        let filled = headerCells.filter { !$0.value.isEmpty }.keys
        guard let last = filled.max() else {
            throw DataError(file: file, location: quoted, message: "sheet has no header row")
        }
        let first = 0
        let columns = Array(first...last)
        var records: [CellTable.Record] = []
        for (number, cells) in rows[(headerIndex + 1)...] {
            if let outside = cells.filter({ !$0.value.isEmpty && !(first...last).contains($0.key) }).keys.min() {
                throw DataError(
                    file: file, line: number, location: "\(quoted)!\(letters(outside))\(number)",
                    message:
                        "a value outside the header's columns (\(letters(first))–\(letters(last)) on row \(headerNumber)); give the column a name or clear the cell"
                        + (headerRow == nil
                            ? ", or if row \(headerNumber) is a title, name the header row\(headerRowOption.map { " with \($0) N" } ?? "")"
                            : ""))
            }
            let values = columns.map { cells[$0] ?? "" }
            records.append(CellTable.Record(number: number, cells: values.allSatisfy(\.isEmpty) ? nil : values))
        }
        return CellTable(
            header: columns.map { headerCells[$0] ?? "" }, headerNumber: headerNumber, records: records,
            places: .sheet(name: quoted, letters: columns.map(letters)))
    }

    /// Where the end-of-central-directory record starts (with the ZIP64 locator just before it, when there is
    /// one): the last `PK\u{5}\u{6}` signature within the final 64 KiB + 22 bytes; nil without one.
    static func endOfCentralDirectory(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 22 else { return nil }
        var k = bytes.count - 22
        let lowest = Swift.max(0, bytes.count - 22 - 65_535)
        while k >= lowest {
            if bytes[k] == 0x50, bytes[k + 1] == 0x4B, bytes[k + 2] == 0x05, bytes[k + 3] == 0x06 {
                if k >= 20, bytes[k - 20] == 0x50, bytes[k - 19] == 0x4B, bytes[k - 18] == 0x06, bytes[k - 17] == 0x07 {
                    return k - 20
                }
                return k
            }
            k -= 1
        }
        return nil
    }

    /// A sheet name as Excel writes it in a reference: quoted when it holds anything but letters, digits and `_`.
    static func sheetName(_ name: String) -> String {
        name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            ? name : "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Column letters of a 0-based column number: 0 → A, 25 → Z, 26 → AA.
    static func letters(_ column: Int) -> String {
        var n = column + 1
        var text = ""
        while n > 0 {
            let r = (n - 1) % 26
            text = String(UnicodeScalar(UInt8(65 + r))) + text
            n = (n - 1) / 26
        }
        return text
    }

    /// The row (1-based) and column (0-based) of a reference such as `C14`; nil if it is not one.
    static func reference(_ text: String) -> (row: Int, column: Int)? {
        var column = 0
        var row = 0
        var sawLetter = false
        var sawDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z") where !sawDigit:
                column = column * 26 + Int(byte - 64)
                sawLetter = true
                guard column <= 16_384 else { return nil }
            case UInt8(ascii: "0")...UInt8(ascii: "9") where sawLetter:
                row = row * 10 + Int(byte - 48)
                sawDigit = true
                guard row <= 1_048_576 else { return nil }
            default: return nil
            }
        }
        guard sawLetter, sawDigit, row >= 1 else { return nil }
        return (row, column - 1)
    }

    private static func parse<Handler: PartHandler & XMLParserDelegate>(
        _ data: Data, file: String, part: String, into handler: Handler
    ) throws(DataError) -> Handler {
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = handler
        guard parser.parse() else {
            if let error = (handler as? SheetCells)?.error { throw error }
            throw DataError(
                file: file,
                message:
                    "part \(part) is not well-formed XML (line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error"))"
            )
        }
        return handler
    }
}

/// The base of the part readers. Each subclass declares `XMLParserDelegate` itself: on Linux the protocol's
/// optional methods are defaults in an extension, so a conformance declared here would bind to those defaults
/// and never call the subclasses' methods.
private class PartHandler: NSObject {
    /// The local name of an element or attribute (after any namespace prefix).
    static func local(_ name: String) -> Substring {
        name.split(separator: ":").last ?? Substring(name)
    }
}

/// `xl/workbook.xml`: the sheets in order, with the relation id of each.
private final class SheetList: PartHandler, XMLParserDelegate {
    struct Sheet {
        var name: String
        var relation: String
    }

    var sheets: [Sheet] = []

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        guard Self.local(element) == "sheet", let name = attributes["name"] else { return }
        let relation = attributes.first { $0.key.hasSuffix(":id") }?.value ?? attributes["id"] ?? ""
        sheets.append(Sheet(name: name, relation: relation))
    }
}

/// `xl/_rels/workbook.xml.rels`: relation id → part path (relative to `xl/`).
private final class Relations: PartHandler, XMLParserDelegate {
    var targets: [String: String] = [:]

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        guard Self.local(element) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else {
            return
        }
        targets[id] = target
    }
}

/// `xl/styles.xml`: which cell formats (`<cellXfs>`, by index, the cells' `s`) show dates or times.
private final class Styles: PartHandler, XMLParserDelegate {
    /// Cell format index → description of its date or time number format.
    var dateStyles: [Int: String] = [:]
    private var codes: [Int: String] = [:]
    private var formats: [Int] = []
    private var inNumberFormats = false
    private var inCellFormats = false

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(element) {
        case "numFmts": inNumberFormats = true
        case "cellXfs": inCellFormats = true
        case "numFmt" where inNumberFormats:
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] {
                codes[id] = code
            }
        case "xf" where inCellFormats:
            formats.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        switch Self.local(element) {
        case "numFmts": inNumberFormats = false
        case "cellXfs": inCellFormats = false
        default: break
        }
    }

    func parserDidEndDocument(_ parser: XMLParser) {
        for (index, id) in formats.enumerated() {
            if let description = Workbook.dateFormat(id: id, code: codes[id]) { dateStyles[index] = description }
        }
    }
}

/// `xl/sharedStrings.xml`: the text of each `<si>`, its `<t>` runs joined; `<rPh>` (phonetic) runs left out.
private final class SharedStrings: PartHandler, XMLParserDelegate {
    var strings: [String] = []
    private var current = ""
    private var inText = false
    private var phonetic = 0

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(element) {
        case "si": current = ""
        case "t": inText = phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        switch Self.local(element) {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": phonetic -= 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current += string }
    }
}

/// A worksheet's cells: per row present in the XML (in order), column → text.
private final class SheetCells: PartHandler, XMLParserDelegate {
    /// A cell whose text is not its value as the analysis would read it.
    struct Mark {
        enum Kind {
            /// A number in a cell formatted as a date or time (the format's description).
            case dateStyle(String)
            /// A cell of type `d` (ISO 8601 date text).
            case isoDate
            /// A formula without a cached value.
            case uncomputedFormula
            /// An error value (`t="e"`, e.g. `#N/A`), with its text.
            case errorValue(String)
        }

        var row: Int
        var column: Int
        var kind: Kind
    }

    var rows: [(Int, [Int: String])] = []
    var marks: [Mark] = []
    var error: DataError?
    private let shared: [String]
    private let dateStyles: [Int: String]
    private let sheet: String
    private let file: String
    private var row = 0
    private var cells: [Int: String] = [:]
    private var inRow = false
    private var column = -1
    private var type = ""
    private var style = 0
    private var text = ""
    private var capturing = false
    private var hasFormula = false
    private var phonetic = 0
    private var cellReference = ""

    init(shared: [String], dateStyles: [Int: String], sheet: String, file: String) {
        self.shared = shared
        self.dateStyles = dateStyles
        self.sheet = Workbook.sheetName(sheet)
        self.file = file
    }

    private func fail(_ parser: XMLParser, _ message: String, at reference: String) {
        error = error ?? DataError(file: file, line: row, location: "\(sheet)!\(reference)", message: message)
        parser.abortParsing()
    }

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String]
    ) {
        switch Self.local(element) {
        case "row":
            let previous = rows.last?.0 ?? 0
            if let r = attributes["r"] {
                guard let number = Int(r), number > previous, number <= 1_048_576 else {
                    fail(
                        parser, "row number '\(r)' is not a row after row \(previous)",
                        at: "\(previous + 1):\(previous + 1)")
                    return
                }
                row = number
            } else {
                row = previous + 1
            }
            cells = [:]
            column = -1
            inRow = true
        case "c":
            guard inRow else { return }
            if let r = attributes["r"] {
                guard let (cellRow, cellColumn) = Workbook.reference(r), cellRow == row, cellColumn > column else {
                    fail(parser, "cell reference '\(r)' is not a cell of row \(row) after the previous one", at: r)
                    return
                }
                column = cellColumn
            } else {
                column += 1
            }
            cellReference = "\(Workbook.letters(column))\(row)"
            type = attributes["t"] ?? "n"
            style = attributes["s"].flatMap { Int($0) } ?? 0
            text = ""
            hasFormula = false
        case "v": capturing = true
        case "f": hasFormula = true
        case "t": capturing = type == "inlineStr" && phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        switch Self.local(element) {
        case "row":
            rows.append((row, cells))
            inRow = false
        case "v", "t": capturing = false
        case "rPh": phonetic -= 1
        case "c":
            guard inRow, error == nil else { return }
            if hasFormula, text.isEmpty, type != "str" {
                marks.append(Mark(row: row, column: column, kind: .uncomputedFormula))
            } else if type == "d" {
                marks.append(Mark(row: row, column: column, kind: .isoDate))
            } else if type == "e" {
                marks.append(Mark(row: row, column: column, kind: .errorValue(text)))
            } else if type == "n", !text.isEmpty, let format = dateStyles[style] {
                marks.append(Mark(row: row, column: column, kind: .dateStyle(format)))
            }
            let value: String
            switch type {
            case "s":
                guard let k = Int(text.trimmingCharacters(in: .whitespaces)), k >= 0, k < shared.count else {
                    fail(
                        parser,
                        "shared string number '\(text)' is not one of the \(shared.count) in xl/sharedStrings.xml",
                        at: cellReference)
                    return
                }
                value = shared[k]
            case "b":
                guard text == "0" || text == "1" else {
                    fail(parser, "boolean cell holds '\(text)'; expected 0 or 1", at: cellReference)
                    return
                }
                value = text == "1" ? "true" : "false"
            default: value = text
            }
            if value.utf8.contains(0) {
                fail(parser, "the cell contains a NUL character", at: cellReference)
                return
            }
            if !value.isEmpty { cells[column] = value }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if capturing { text += string }
    }
}
