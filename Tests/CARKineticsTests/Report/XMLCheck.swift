import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses markup as XML and records element names and the concatenated text, or the parse error.
final class XMLCheck: NSObject, XMLParserDelegate {
    private(set) var elements: [String] = []
    private(set) var text = ""
    private(set) var attributes: [[String: String]] = []
    private(set) var error: String?

    init(_ markup: String) {
        super.init()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = self
        if !parser.parse() {
            error = parser.parserError.map { "\($0) at line \(parser.lineNumber)" } ?? "unknown parse error"
        }
    }

    func count(_ name: String) -> Int { elements.filter { $0 == name }.count }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(elementName)
        attributes.append(attributeDict)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }
}
