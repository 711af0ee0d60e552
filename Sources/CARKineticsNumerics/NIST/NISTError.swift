/// A NIST StRD `.dat` file that could not be read or understood, with the file, the 1-based line (and
/// column, when one token is at fault) and what was expected.
public struct NISTError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name or path as given.
    public var file: String
    /// The 1-based line, or nil when the problem is not on one line (a missing section, an unreadable file).
    public var line: Int?
    /// The 1-based column of the offending token, when known.
    public var column: Int?
    /// What is wrong or what was expected.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int?, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// The message as shown to users.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(message)"
    }
}
