import CARKineticsNumerics
import Foundation

extension XPTFile {
    /// Why a library cannot be written as SAS transport version 5.
    public struct WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The dataset, variable and (1-based) observation concerned, where there is one.
        public var place: String
        public var message: String
        public var description: String { place.isEmpty ? message : "\(place): \(message)" }
    }

    /// The library as a version 5 transport file (TS-140), every dataset with 140-byte NAMESTRs.
    ///
    /// Names must be ≤ 8 characters of `A`–`Z`, `0`–`9`, `_` (not starting with a digit), labels ≤ 40
    /// characters, text ASCII and no longer than the variable; numbers are written as the nearest IBM number
    /// (`IBMFloat.encode`, exact for every double from 2^−260 to 2^252 at length 8), NaN as the missing value
    /// `.`. `created` stamps the headers (`ddMMMyy:hh:mm:ss`, UTC).
    public func bytes(created: Date = Date()) throws(WriteError) -> [UInt8] {
        let stamp = Self.stamp(created)
        var out: [UInt8] = []
        func record(_ text: String) {
            var bytes = Array(text.utf8.prefix(80))
            bytes += repeatElement(UInt8(ascii: " "), count: 80 - bytes.count)
            out += bytes
        }
        func field(_ text: String, _ width: Int) -> String {
            text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
        }
        func header(_ kind: String, _ digits: String = String(repeating: "0", count: 30)) {
            record("HEADER RECORD*******" + field(kind, 8) + "HEADER RECORD!!!!!!!" + digits)
        }
        // The 8-character operating-system field names the producer and its version (`CK0.4.0`): the one
        // header field free for it (the SAS version field must say 9.4 for readers).
        let producer = field("CK" + PackageVersion.current, 8)
        header("LIBRARY")
        record("SAS     SAS     SASLIB  9.4     " + producer + String(repeating: " ", count: 24) + stamp)
        record(stamp)
        for dataset in datasets {
            try Self.check(name: dataset.name, label: dataset.label, place: "dataset \(dataset.name)")
            guard !dataset.variables.isEmpty else {
                throw WriteError(place: "dataset \(dataset.name)", message: "has no variables")
            }
            header("MEMBER", "000000000000000001600000000140")
            header("DSCRPTR")
            record(
                "SAS     " + field(dataset.name, 8) + "SASDATA 9.4     " + producer
                    + String(repeating: " ", count: 24) + stamp)
            record(stamp + String(repeating: " ", count: 16) + field(dataset.label, 40) + field("", 8))
            guard dataset.variables.count <= 9999 else {
                throw WriteError(place: "dataset \(dataset.name)", message: "has more than 9999 variables")
            }
            let count = String(dataset.variables.count)
            header(
                "NAMESTR",
                "000000" + String(repeating: "0", count: 4 - count.count) + count + String(repeating: "0", count: 20))
            var position = 0
            var namestrs: [UInt8] = []
            for (k, variable) in dataset.variables.enumerated() {
                let place = "dataset \(dataset.name), variable \(variable.name)"
                try Self.check(name: variable.name, label: variable.label, place: place)
                let lengths = variable.isNumeric ? 2...8 : 1...200
                guard lengths.contains(variable.length) else {
                    throw WriteError(
                        place: place,
                        message: "length \(variable.length) is not \(lengths.lowerBound) to \(lengths.upperBound)")
                }
                var n: [UInt8] = []
                n +=
                    Self.big(variable.isNumeric ? 1 : 2, 2) + Self.big(0, 2) + Self.big(variable.length, 2)
                    + Self.big(k + 1, 2)
                n +=
                    Array(field(variable.name, 8).utf8) + Array(field(variable.label, 40).utf8)
                    + Array(field(variable.format, 8).utf8)
                n += Self.big(0, 2) + Self.big(0, 2) + Self.big(0, 2) + [0, 0]
                n += Array(field("", 8).utf8) + Self.big(0, 2) + Self.big(0, 2) + Self.big(position, 4)
                n += [UInt8](repeating: 0, count: 52)
                namestrs += n
                position += variable.length
            }
            namestrs += repeatElement(UInt8(ascii: " "), count: (80 - namestrs.count % 80) % 80)
            out += namestrs
            header("OBS")
            var body: [UInt8] = []
            body.reserveCapacity(dataset.rows.count * position)
            for (r, row) in dataset.rows.enumerated() {
                guard row.count == dataset.variables.count else {
                    throw WriteError(
                        place: "dataset \(dataset.name), observation \(r + 1)",
                        message: "has \(row.count) values for \(dataset.variables.count) variables")
                }
                for (variable, value) in zip(dataset.variables, row) {
                    let place = "dataset \(dataset.name), observation \(r + 1), variable \(variable.name)"
                    switch (variable.isNumeric, value) {
                    case (true, .number(let x)):
                        if x.isNaN {
                            body += [UInt8(ascii: ".")] + [UInt8](repeating: 0, count: variable.length - 1)
                        } else {
                            do {
                                body += try IBMFloat.encode(x, length: variable.length)
                            } catch {
                                throw WriteError(
                                    place: place,
                                    message: "\(x) is beyond the range of IBM floating point (about 7.2e75)")
                            }
                        }
                    case (true, .missing(let code)):
                        let byte = code.asciiValue ?? UInt8(ascii: ".")
                        guard IBMFloat.missingCode(byte) != nil else {
                            throw WriteError(
                                place: place, message: "'\(code)' is not a SAS missing-value code (., _, A-Z)")
                        }
                        body += [byte] + [UInt8](repeating: 0, count: variable.length - 1)
                    case (false, .text(let text)):
                        guard text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                            throw WriteError(place: place, message: "'\(text)' is not printable ASCII")
                        }
                        guard text.utf8.count <= variable.length else {
                            throw WriteError(
                                place: place,
                                message: "'\(text)' is longer than the variable's \(variable.length) bytes")
                        }
                        body +=
                            Array(text.utf8)
                            + repeatElement(UInt8(ascii: " "), count: variable.length - text.utf8.count)
                    default:
                        throw WriteError(
                            place: place,
                            message: "a \(variable.isNumeric ? "numeric" : "character") variable holds \(value)")
                    }
                }
            }
            body += repeatElement(UInt8(ascii: " "), count: (80 - body.count % 80) % 80)
            out += body
        }
        return out
    }

    private static func check(name: String, label: String, place: String) throws(WriteError) {
        let bytes = Array(name.utf8)
        let valid =
            !bytes.isEmpty && bytes.count <= 8 && !(0x30...0x39).contains(bytes[0])
            && bytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") }
        guard valid else {
            throw WriteError(
                place: place, message: "name '\(name)' is not 1 to 8 of A-Z, 0-9, _ (not starting with a digit)")
        }
        guard label.utf8.count <= 40, label.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw WriteError(place: place, message: "label '\(label)' is not at most 40 printable ASCII characters")
        }
    }

    private static func big(_ value: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * (count - 1 - $0))) }
    }

    /// `ddMMMyy:hh:mm:ss` in UTC, e.g. `27NOV26:14:05:00`.
    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let month = months[max(0, min(11, (c.month ?? 1) - 1))]
        func two(_ n: Int?) -> String {
            let n = (n ?? 0) % 100
            return n < 10 ? "0\(n)" : "\(n)"
        }
        return two(c.day) + month + two(c.year) + ":" + two(c.hour) + ":" + two(c.minute) + ":" + two(c.second)
    }
}
