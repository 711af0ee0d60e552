import CARKineticsNumerics
import Foundation

extension ProfileReader {
    /// The header's `STUDYID` column name as spelled in the file, when it has exactly one; nil when the
    /// file cannot be read (reading it for the NCA then reports the error with file and line).
    package static func studyColumn(in url: URL) -> String? {
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
        let matches = header.filter { $0.lowercased() == "studyid" }
        return matches.count == 1 ? matches[0] : nil
    }
}
