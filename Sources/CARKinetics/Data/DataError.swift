/// A rejected input, located precisely enough for a person to fix the file.
///
/// `description` reads like a compiler diagnostic: `data.csv:5: column 'value': "1.2.3" is not a number`.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given by the caller.
    public var file: String
    /// 1-based line (header = 1); nil for errors about the file as a whole.
    public var line: Int?
    /// The column concerned, by its header name; nil when no single column is at fault.
    public var column: String?
    /// What was found and what was expected.
    public var message: String
    /// Where a person looks in a file that has no lines (SAS transport, Dataset-JSON, Excel), e.g.
    /// `record 17, variable AVAL` or `qPCR!C14`; when set it replaces `line` and `column` in `description`
    /// (`line` then holds the record or row number, as in the audit).
    public var location: String?

    /// An error at `file`:`line`, optionally in `column`.
    public init(file: String, line: Int? = nil, column: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line: column 'name': message`, or `file: location: message`, with control characters escaped and
    /// the column name capped (``MessageText``).
    public var description: String {
        if let location {
            return "\(MessageText.escaped(file)): \(MessageText.escaped(location)): "
                + MessageText.escaped(message, keepingLineBreaks: true)
        }
        var text = MessageText.escaped(file)
        if let line { text += ":\(line)" }
        text += ": "
        if let column { text += "column '\(MessageText.capped(column))': " }
        return text + MessageText.escaped(message, keepingLineBreaks: true)
    }
}
