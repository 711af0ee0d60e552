/// A JSON value (RFC 8259) that keeps every number as the text it was written with, so a number is converted
/// once, by the same correctly rounded parser as a CSV cell (`NumberParser`), never through an intermediate
/// binary value. Objects keep their members in order.
enum JSONValue {
    case null
    case bool(Bool)
    /// The literal as written, e.g. `-1.50e-3`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member named `key` of an object (the first, if repeated).
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

/// One member of a JSON object.
struct JSONMember {
    var key: String
    var value: JSONValue
}

/// A strict recursive-descent JSON parser over bytes, linear in the input. Nesting deeper than `maxDepth` is
/// rejected instead of exhausting the stack. Errors give the line and column of the offending byte.
struct JSONParser {
    static let maxDepth = 64

    struct Failure: Error {
        var offset: Int
        var message: String
    }

    private let bytes: [UInt8]
    private(set) var index: Int

    init(_ bytes: [UInt8], from start: Int = 0) {
        self.bytes = bytes
        index = start
        if start == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// True when only white space is left.
    mutating func atEnd() -> Bool {
        skipSpace()
        return index >= bytes.count
    }

    /// Parses one value and the white space after it.
    mutating func value(depth: Int = 0) throws(Failure) -> JSONValue {
        guard depth < Self.maxDepth else { throw Failure(offset: index, message: "nesting deeper than \(Self.maxDepth) levels") }
        skipSpace()
        guard index < bytes.count else { throw Failure(offset: index, message: "unexpected end of the file; expected a value") }
        let result: JSONValue
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [JSONMember] = []
            skipSpace()
            if peek(UInt8(ascii: "}")) {
                index += 1
            } else {
                while true {
                    skipSpace()
                    guard peek(UInt8(ascii: "\"")) else { throw Failure(offset: index, message: "expected a member name in quotes") }
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    members.append(JSONMember(key: key, value: try value(depth: depth + 1)))
                    if peek(UInt8(ascii: ",")) { index += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            result = .object(members)
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONValue] = []
            skipSpace()
            if peek(UInt8(ascii: "]")) {
                index += 1
            } else {
                while true {
                    elements.append(try value(depth: depth + 1))
                    if peek(UInt8(ascii: ",")) { index += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    break
                }
            }
            result = .array(elements)
        case UInt8(ascii: "\""): result = .string(try string())
        case UInt8(ascii: "t"): try word("true"); result = .bool(true)
        case UInt8(ascii: "f"): try word("false"); result = .bool(false)
        case UInt8(ascii: "n"): try word("null"); result = .null
        default: result = .number(try number())
        }
        skipSpace()
        return result
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek(byte) else {
            throw Failure(offset: index, message: "expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
        skipSpace()
    }

    private mutating func word(_ text: String) throws(Failure) {
        let expected = Array(text.utf8)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw Failure(offset: index, message: "expected a value (a string, number, object, array, true, false or null)")
        }
        index += expected.count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func number() throws(Failure) -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if peek(UInt8(ascii: "-")) { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else {
            throw Failure(offset: start, message: "expected a value (a string, number, object, array, true, false or null)")
        }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw Failure(offset: start, message: "a number has a leading zero")
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw Failure(offset: index, message: "expected digits after the decimal point") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw Failure(offset: index, message: "expected digits in the exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A quoted string with its escapes resolved; control characters, invalid UTF-8 and lone surrogates are
    /// rejected, and so is NUL (`\u0000`), which no cell may hold.
    private mutating func string() throws(Failure) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw Failure(offset: index, message: "a string is never closed") }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                break
            }
            if c < 0x20 { throw Failure(offset: index, message: "a string contains a control character (byte \(c)); write it as an escape") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw Failure(offset: index, message: "a string is never closed") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw Failure(offset: index, message: "a \\u escape is half of a surrogate pair")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw Failure(offset: index, message: "a \\u escape is half of a surrogate pair") }
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw Failure(offset: index, message: "a \\u escape is half of a surrogate pair")
                }
                guard scalar != 0, let unicode = Unicode.Scalar(scalar) else {
                    throw Failure(offset: index, message: "a string contains the NUL character")
                }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw Failure(offset: index - 1, message: "unknown escape '\\\(Character(Unicode.Scalar(escape)))'")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw Failure(offset: index, message: "a string is not valid UTF-8")
        }
        return text
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Failure(offset: index, message: "a \\u escape needs four hexadecimal digits") }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw Failure(offset: index, message: "a \\u escape needs four hexadecimal digits")
            }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    /// 1-based line and column of byte `offset` of `bytes`.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for k in 0..<Swift.min(offset, bytes.count) where bytes[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        return (line, offset - lineStart + 1)
    }
}
