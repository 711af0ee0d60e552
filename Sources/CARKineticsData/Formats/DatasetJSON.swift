import CARKineticsNumerics

/// CDISC Dataset-JSON: version 1.1 (`columns` + `rows` at the top level), its NDJSON variant (the metadata
/// object on the first line, then one row array per line) and version 1.0 (`clinicalData` or `referenceData`
/// → `itemGroupData` → one object per dataset with `items` and `itemData`, whose first item is the record
/// counter `ITEMGROUPDATASEQ`).
///
/// Missing values are `null` and become empty cells. Numbers are taken as written (JSON numbers, or strings
/// for `decimal` and wherever a writer chose strings) and converted later by the same parser as CSV cells,
/// so `0.1` or `1e-300` read back as the nearest double, exactly as from a CSV file. Booleans become
/// `true`/`false`. Row k (1-based) is the audit's line k.
enum DatasetJSON {
    static func table(
        _ bytes: [UInt8], file: String, dataset wanted: String? = nil, advice: String = "by naming its dataset"
    ) throws(DataError) -> CellTable {
        var parser = JSONParser(bytes)
        func failure(_ error: JSONParser.Failure) -> DataError {
            let (line, column) = JSONParser.position(of: error.offset, in: bytes)
            return DataError(file: file, location: "line \(line), character \(column)", message: error.message)
        }
        let document: JSONValue
        var ndjsonRows: [JSONValue] = []
        do {
            document = try parser.value()
            // NDJSON: more values follow the metadata object, one row array per line.
            while !parser.atEnd() { ndjsonRows.append(try parser.value()) }
        } catch {
            throw failure(error)
        }
        guard case .object = document else {
            throw DataError(file: file, message: "is JSON but not a Dataset-JSON object")
        }
        if let columns = document["columns"] {
            let rows: [JSONValue]
            switch document["rows"] {
            case .array(let all)?:
                guard ndjsonRows.isEmpty else {
                    throw DataError(file: file, message: "has rows both in 'rows' and on lines after the metadata")
                }
                rows = all
            case nil: rows = ndjsonRows
            default: throw DataError(file: file, message: "'rows' is not an array of rows")
            }
            try checkRecordCount(document["records"], rows: rows.count, file: file)
            return try table(
                columns: columns, rows: rows, file: file, nameKey: "name", typeKey: "dataType", skipFirst: false)
        }
        guard ndjsonRows.isEmpty else { throw DataError(file: file, message: "has text after the Dataset-JSON object") }
        // Version 1.0.
        var groups: [JSONMember] = []
        for part in ["clinicalData", "referenceData"] {
            if case .object(let members)? = document[part]?["itemGroupData"] { groups += members }
        }
        guard !groups.isEmpty else {
            throw DataError(
                file: file,
                message:
                    "is JSON but not Dataset-JSON (no 'columns' of version 1.1, no 'clinicalData' or 'referenceData' → 'itemGroupData' of version 1.0)"
            )
        }
        func name(_ group: JSONMember) -> String {
            if case .string(let name)? = group.value["name"] { return name }
            return group.key
        }
        let chosen: JSONMember
        if let wanted {
            guard let found = groups.first(where: { name($0).uppercased() == wanted.uppercased() || $0.key == wanted })
            else {
                throw DataError(
                    file: file,
                    message: "has no dataset '\(wanted)'; it holds \(groups.map(name).joined(separator: ", "))")
            }
            chosen = found
        } else {
            guard groups.count == 1, let only = groups.first else {
                throw DataError(
                    file: file,
                    message:
                        "holds \(groups.count) datasets (\(groups.map(name).joined(separator: ", "))); choose one \(advice)"
                )
            }
            chosen = only
        }
        guard let items = chosen.value["items"], case .array(let rows)? = chosen.value["itemData"] else {
            throw DataError(file: file, message: "dataset \(name(chosen)) lacks 'items' or 'itemData'")
        }
        try checkRecordCount(chosen.value["records"], rows: rows.count, file: file)
        return try table(columns: items, rows: rows, file: file, nameKey: "name", typeKey: "type", skipFirst: true)
    }

    /// `records` (optional) must count the rows: a file cut short between rows is still valid JSON in the
    /// NDJSON variant, and a writer that lost rows must not pass unnoticed.
    private static func checkRecordCount(_ records: JSONValue?, rows: Int, file: String) throws(DataError) {
        guard let records else { return }
        guard case .number(let literal) = records, let count = Int(literal), count >= 0 else {
            throw DataError(file: file, message: "'records' is not a count of rows")
        }
        guard count == rows else {
            throw DataError(
                file: file, message: "'records' says \(count) rows but the file holds \(rows); it may be cut short")
        }
    }

    private static func table(
        columns: JSONValue, rows: [JSONValue], file: String, nameKey: String, typeKey: String, skipFirst: Bool
    ) throws(DataError) -> CellTable {
        guard case .array(let list) = columns, !list.isEmpty else {
            throw DataError(file: file, message: "'columns' is not a non-empty array")
        }
        var names: [String] = []
        var dateTypes: [Int: String] = [:]
        for (k, column) in list.enumerated() {
            guard case .string(let name)? = column[nameKey] else {
                throw DataError(file: file, location: "columns", message: "column \(k + 1) has no '\(nameKey)'")
            }
            names.append(name)
            if case .string(let type)? = column[typeKey], ["date", "datetime", "time"].contains(type.lowercased()) {
                var held = type.lowercased()
                if case .string(let target)? = column["targetDataType"], target.lowercased() != "string" {
                    let count =
                        held == "date"
                        ? "days since 1 January 1960"
                        : held == "time" ? "seconds since midnight" : "seconds since 1 January 1960"
                    held += " stored as \(target.lowercased()) (SAS \(count))"
                }
                dateTypes[k] = held
            }
        }
        // Version 1.0's first item is the record counter, not data.
        let first = skipFirst && names.first?.uppercased() == "ITEMGROUPDATASEQ" ? 1 : 0
        var records: [CellTable.Record] = []
        records.reserveCapacity(rows.count)
        for (k, row) in rows.enumerated() {
            guard case .array(let values) = row else {
                throw DataError(file: file, line: k + 1, location: "row \(k + 1)", message: "is not an array of values")
            }
            guard values.count == names.count else {
                throw DataError(
                    file: file, line: k + 1, location: "row \(k + 1)",
                    message: "has \(values.count) values; expected \(names.count) as in 'columns'")
            }
            var cells: [String] = []
            cells.reserveCapacity(values.count - first)
            for (c, value) in values.enumerated().dropFirst(first) {
                switch value {
                case .null: cells.append("")
                case .number(let literal): cells.append(literal)
                case .string(let text): cells.append(text)
                case .bool(let flag): cells.append(flag ? "true" : "false")
                case .array, .object:
                    throw DataError(
                        file: file, line: k + 1, column: names[c], location: "row \(k + 1), column \(names[c])",
                        message: "is an array or object; expected a single value or null")
                }
            }
            records.append(CellTable.Record(number: k + 1, cells: cells))
        }
        var table = CellTable(
            header: Array(names.dropFirst(first)), headerNumber: 0, records: records, places: .json)
        for (k, type) in dateTypes.sorted(by: { $0.key < $1.key }) where k >= first {
            table.caveats.append(
                CellTable.Caveat(
                    column: k - first, line: nil, reach: .number,
                    message:
                        "has dataType \(type), a calendar value, not a time since dose or a measured value; use a relative time column (AFRLT, ARRLT) or convert it first"
                ))
        }
        return table
    }
}
