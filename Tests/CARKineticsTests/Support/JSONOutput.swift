import Foundation

/// The rows of a JSON table written by pkfit (`{"generator": {…}, "rows": [...]}`), or nil when the text is not
/// of that shape.
func jsonRows(_ text: String) throws -> [[String: Any]]? {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    return object?["rows"] as? [[String: Any]]
}
