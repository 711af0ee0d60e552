import CARKineticsNumerics
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ColumnSelection {
    /// This selection with the analyte column of ADNCA files added as a profile column named `analyte`
    /// (``analyteGroup``) when one of `headers` has `PARAMCD` or `PARAM` (any case): every analyte of a subject
    /// is then its own profile, and every output names it. Unchanged when ``adncaRules`` is off, when the
    /// selection already names `PARAMCD`, `PARAM` or `analyte` as a group or profile column, or when no header
    /// has an analyte column (so plain CSV files keep their outputs).
    ///
    /// Output columns are fixed before the rows are read, so callers decide this from the headers first
    /// (``adapted(toHeadersOf:)`` reads them).
    public func adapted(toHeaders headers: [[String]]) -> ColumnSelection {
        guard adncaRules, !recognisesAnalyte else { return self }
        let names = ["paramcd", "param", ColumnSelection.analyteGroup]
        if (groups + profileBy).contains(where: { names.contains($0.lowercased()) }) { return self }
        let hasAnalyte = headers.contains { header in
            header.contains { ResolvedColumns.analyteTiers.joined().contains($0.lowercased()) }
        }
        guard hasAnalyte else { return self }
        var adapted = self
        adapted.groups.append(ColumnSelection.analyteGroup)
        adapted.profileBy.append(ColumnSelection.analyteGroup)
        adapted.recognisesAnalyte = true
        return adapted
    }

    /// ``adapted(toHeaders:)`` with the header of each regular file among `files` (a file that cannot be read
    /// now, or is not a regular file such as a pipe that must not be read twice, is left to the reader, which
    /// reports its problems).
    public func adapted(toHeadersOf files: [URL]) -> ColumnSelection {
        guard adncaRules, !recognisesAnalyte else { return self }
        return adapted(toHeaders: files.compactMap { Self.header(of: $0, choice: table) })
    }

    /// The column names of a regular file's table, or nil.
    static func header(of url: URL, choice: TableChoice) -> [String]? {
        var status = stat()
        guard stat(url.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let format = TableFormat.detect(contentsOf: url)
        if format != .csv {
            guard let data = try? Data(contentsOf: url) else { return nil }
            return try? CellTable.read([UInt8](data), format: format, file: url.path, choice: choice).header
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        // The header line of a CSV file: the first non-blank record within the first MB.
        guard let data = try? handle.read(upToCount: ProfileReader.chunkSize), !data.isEmpty else { return nil }
        var bytes = [UInt8](data)
        if let end = bytes.lastIndex(of: UInt8(ascii: "\n")) { bytes.removeSubrange((end + 1)...) }
        var header: [String]?
        try? bytes.withUnsafeBufferPointer { (buffer) throws(DataError) in
            var line = 1
            _ = try CSVScanner.scan(buffer, file: url.path, line: &line, isFinal: true) { (row) throws(DataError) in
                if header == nil, !row.isBlank { header = (0..<row.count).map { row.string($0) } }
            }
        }
        return header
    }
}
