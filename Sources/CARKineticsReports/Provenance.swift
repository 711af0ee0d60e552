import CARKineticsData
import CARKineticsNumerics
import Foundation

/// Where a report came from: the software version, when and how it was made, and each input's name, size and
/// SHA-256, so a reader can tell whether a file in hand is the one that was analysed.
public struct Provenance: Sendable, Equatable {
    /// One input file as it was read.
    public struct Input: Sendable, Equatable {
        /// The path as given on the command line (or by the caller).
        public var name: String
        /// Size in bytes.
        public var size: Int
        /// SHA-256 of the file's bytes (FIPS 180-4), 64 lowercase hexadecimal digits.
        public var sha256: String

        /// Creates an input record; see the properties.
        public init(name: String, size: Int, sha256: String) {
            self.name = name
            self.size = size
            self.sha256 = sha256
        }
    }

    /// The software version (`pkfit --version` prints the same string).
    public var version: String
    /// When the report was made, ISO 8601 in UTC (`2026-11-27T17:20:00Z`).
    public var date: String
    /// The command that made the report, shell-quoted; nil when made through the library.
    public var commandLine: String?
    /// The inputs, in the order they were read.
    public var inputs: [Input]

    /// Creates a provenance record; `version` defaults to ``PackageVersion/current``.
    public init(version: String = PackageVersion.current, date: String, commandLine: String?, inputs: [Input]) {
        self.version = version
        self.date = date
        self.commandLine = commandLine
        self.inputs = inputs
    }

    /// `date` as ISO 8601 in UTC, to the second.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The arguments as one line a POSIX shell reads back into the same arguments: an argument made only of
    /// letters, digits and `-_./=,:+@%^` is written as is, any other in single quotes (a quote inside as `'\''`).
    public static func shellQuoted(_ arguments: [String]) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%^")
        return arguments.map { argument in
            if !argument.isEmpty && argument.allSatisfy({ plain.contains($0) }) { return argument }
            return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// Name, size and SHA-256 of the file at `url`, read in 1 MB chunks (memory stays flat for any size).
    public static func input(_ url: URL, name: String? = nil) throws(DataError) -> Input {
        let shown = name ?? url.path
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw DataError(file: shown, message: "cannot be read for its checksum: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        var hasher = SHA256Hasher()
        var size = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(chunk)
                size += chunk.count
            }
        } catch {
            throw DataError(file: shown, message: "cannot be read for its checksum: \(error.localizedDescription)")
        }
        return Input(name: shown, size: size, sha256: hasher.finalize())
    }

    /// SHA-256 of `bytes`, 64 lowercase hexadecimal digits.
    public static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
