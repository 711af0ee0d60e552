import CARKineticsNumerics
import Foundation

extension ProfileReader {
    /// The header's `STUDYID` column name as spelled in the file (of any input format), when it has exactly one; nil when the
    /// file cannot be read (reading it for the NCA then reports the error with file and line).
    package static func studyColumn(in url: URL, choice: TableChoice = TableChoice()) -> String? {
        column(named: "studyid", in: url, choice: choice)
    }

    /// The header's column named `lowercased` (any case) as spelled in the file, when it has exactly one.
    package static func column(named lowercased: String, in url: URL, choice: TableChoice = TableChoice()) -> String? {
        // SAS transport, Dataset-JSON and Excel files: the column names of the table that will be read.
        let format = TableFormat.detect(contentsOf: url)
        if format != .csv {
            guard let bytes = try? Data(contentsOf: url),
                let table = try? CellTable.read([UInt8](bytes), format: format, file: url.path, choice: choice)
            else { return nil }
            let matches = table.header.filter { $0.lowercased() == lowercased }
            return matches.count == 1 ? matches[0] : nil
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 65_536) else { return nil }
        let bytes = [UInt8](head.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") })
        var header: [String] = []
        try? bytes.withUnsafeBufferPointer { (buffer) throws(DataError) in
            try CSVScanner.scan(buffer, file: url.path) { (row) throws(DataError) in
                if header.isEmpty { header = (0..<row.count).map { row.string($0) } }
            }
        }
        let matches = header.filter { $0.lowercased() == lowercased }
        return matches.count == 1 ? matches[0] : nil
    }
}
