import CARKineticsNumerics

/// Where one field of a record lives: in the source bytes (unquoted) or in the scratch buffer that holds
/// quoted fields with their `""` escapes resolved.
struct FieldSpan {
    var start: Int
    var count: Int
    var inScratch: Bool
}

/// One record of a CSV file, valid only during the visitor call that receives it (it points into buffers
/// the scanner reuses). Every field has been checked to be valid UTF-8 without NUL bytes.
package struct CSVRow {
    /// Line on which the record starts (header = 1).
    package let line: Int
    let source: UnsafeBufferPointer<UInt8>
    let scratch: UnsafeBufferPointer<UInt8>
    let spans: UnsafeBufferPointer<FieldSpan>

    package var count: Int { spans.count }

    /// An empty line, or one of spaces and tabs only: no field can hold data (a data row has at least the
    /// subject, time and value fields), so it is a blank line, not a one-field ragged row.
    package var isBlank: Bool { spans.count == 1 && (spans[0].count == 0 || trimmedBytes(0).isEmpty) }

    package func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let span = spans[index]
        let base = span.inScratch ? scratch : source
        return UnsafeBufferPointer(rebasing: base[span.start..<span.start + span.count])
    }

    /// The field with surrounding spaces and tabs removed.
    package func trimmedBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        CSVScanner.trim(bytes(index))
    }

    package func string(_ index: Int) -> String {
        String(decoding: trimmedBytes(index), as: UTF8.self)
    }
}

/// An RFC 4180 tokenizer over bytes: quoted fields (with `""` escapes and embedded line breaks), CRLF,
/// LF or CR line ends, a leading UTF-8 byte-order mark. It allocates nothing per field: unquoted fields
/// are ranges of the input, quoted ones are unescaped into one reused scratch buffer.
///
/// It rejects, with the line number, what would otherwise crash or silently corrupt later stages:
/// an unterminated quote, text after a closing quote, NUL bytes and invalid UTF-8.
/// The work is linear in the input size.
package enum CSVScanner {
    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// Calls `visit` once per record of a whole file in memory, in file order.
    package static func scan(
        _ input: UnsafeBufferPointer<UInt8>, file: String,
        visit: (CSVRow) throws(DataError) -> Void
    ) throws(DataError) {
        var line = 1
        _ = try scan(input, file: file, line: &line, isFinal: true, visit: visit)
    }

    /// Calls `visit` once per complete record of one piece of a file read in chunks, and returns how many bytes
    /// were consumed; the caller keeps the rest and passes it again, followed by more bytes.
    ///
    /// `line` is the line on which `input` starts (1 = start of file, where a byte-order mark is skipped) and is
    /// advanced past the consumed records. Unless `isFinal`, `input` must end just after a LF byte (so no line
    /// break or UTF-8 sequence is split); then the only incomplete record is one whose quoted field is still
    /// open at the end, and it is left unconsumed instead of being an error.
    package static func scan(
        _ input: UnsafeBufferPointer<UInt8>, file: String, line: inout Int, isFinal: Bool,
        visit: (CSVRow) throws(DataError) -> Void
    ) throws(DataError) -> Int {
        let n = input.count
        var i = 0
        if line == 1, n >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { i = 3 }
        // The fields of the current record, in storage reused from record to record (an array emptied per
        // record cost more than scanning the record's bytes).
        var spanCapacity = 16
        var spans = UnsafeMutablePointer<FieldSpan>.allocate(capacity: spanCapacity)
        defer { spans.deallocate() }
        var spanCount = 0
        func addSpan(_ span: FieldSpan) {
            if spanCount == spanCapacity {
                let larger = UnsafeMutablePointer<FieldSpan>.allocate(capacity: 2 * spanCapacity)
                larger.initialize(from: spans, count: spanCount)
                spans.deallocate()
                spans = larger
                spanCapacity *= 2
            }
            (spans + spanCount).initialize(to: span)
            spanCount += 1
        }
        var scratch: [UInt8] = []
        while i < n {
            let recordLine = line
            let recordStart = i
            spanCount = 0
            if !scratch.isEmpty { scratch.removeAll(keepingCapacity: true) }
            fields: while true {
                if i < n, input[i] == quote {
                    i += 1
                    let start = scratch.count
                    while true {
                        guard i < n else {
                            if !isFinal {
                                line = recordLine
                                return recordStart
                            }
                            throw DataError(
                                file: file, line: recordLine,
                                message: "field \(spanCount + 1) has an opening quote that is never closed")
                        }
                        let c = input[i]
                        if c == quote {
                            if i + 1 < n, input[i + 1] == quote {
                                scratch.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if c == lf || (c == cr && !(i + 1 < n && input[i + 1] == lf)) { line += 1 }
                        let length = try checkedLength(input, at: i, file: file, line: line)
                        for k in 0..<length { scratch.append(input[i + k]) }
                        i += length
                    }
                    addSpan(FieldSpan(start: start, count: scratch.count - start, inScratch: true))
                    guard i < n else { break fields }
                    let c = input[i]
                    if c == comma {
                        i += 1
                        continue fields
                    }
                    if c == lf || c == cr {
                        i = endOfLine(input, at: i)
                        line += 1
                        break fields
                    }
                    throw DataError(
                        file: file, line: line,
                        message: "unexpected text after the closing quote of field \(spanCount)")
                } else {
                    let start = i
                    while i < n {
                        let c = input[i]
                        if c == comma || c == lf || c == cr { break }
                        // Printable ASCII is the common case; everything else is validated byte by byte.
                        i += c > 0 && c < 0x80 ? 1 : try checkedLength(input, at: i, file: file, line: line)
                    }
                    addSpan(FieldSpan(start: start, count: i - start, inScratch: false))
                    guard i < n else { break fields }
                    if input[i] == comma {
                        i += 1
                        if i == n { addSpan(FieldSpan(start: n, count: 0, inScratch: false)) }
                        continue fields
                    }
                    i = endOfLine(input, at: i)
                    line += 1
                    break fields
                }
            }
            let fields = UnsafeBufferPointer(start: spans, count: spanCount)
            try scratch.withUnsafeBufferPointer { (scratchBuffer) throws(DataError) in
                try visit(CSVRow(line: recordLine, source: input, scratch: scratchBuffer, spans: fields))
            }
        }
        return n
    }

    /// Index just after the line break starting at `i` (CRLF, LF or a lone CR).
    private static func endOfLine(_ input: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        if input[i] == cr, i + 1 < input.count, input[i + 1] == lf { return i + 2 }
        return i + 1
    }

    /// Length of the valid UTF-8 scalar at `i` (1 for ASCII), or an error for NUL or invalid UTF-8.
    /// Rejects overlong forms, surrogates and values above U+10FFFF, as the Unicode standard requires.
    private static func checkedLength(
        _ input: UnsafeBufferPointer<UInt8>, at i: Int, file: String, line: Int
    ) throws(DataError) -> Int {
        let b0 = input[i]
        if b0 < 0x80 {
            if b0 == 0 {
                throw DataError(
                    file: file, line: line, message: "contains a NUL byte (binary content, not a CSV text file)")
            }
            return 1
        }
        let n = input.count
        func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            i + k < n && input[i + k] >= low && input[i + k] <= high
        }
        let length: Int
        switch b0 {
        case 0xC2...0xDF: length = continuation(1) ? 2 : 0
        case 0xE0: length = continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: length = continuation(1) && continuation(2) ? 3 : 0
        case 0xED: length = continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0: length = continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3: length = continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4: length = continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default: length = 0
        }
        guard length > 0 else {
            let hex = String(b0, radix: 16, uppercase: true)
            throw DataError(
                file: file, line: line,
                message: "invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" + hex : hex)); expected a UTF-8 text file")
        }
        return length
    }

    static func trim(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }
}
