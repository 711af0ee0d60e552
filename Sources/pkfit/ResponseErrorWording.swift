import CARKinetics

extension ResponseError {
    /// The library's message with the options of `pkfit response` and `pkfit report --response` named where the
    /// library speaks of values in general (the library knows no command-line options).
    var commandLineDescription: String {
        switch self {
        case .unrecognisedCoding:
            description.replacingOccurrences(
                of: "; name the responder value(s) explicitly", with: "; name the responder value(s) with --responder")
        case .responderValueNotFound(let column, _, _):
            description.replacingOccurrences(
                of: "column '\(column)': responder value ", with: "column '\(column)': --responder ")
        case .unknownParameter(let name, _):
            description.replacingOccurrences(of: "requested parameter '\(name)'", with: "--parameters: '\(name)'")
        case .data, .leastSquares:
            description
        }
    }
}
