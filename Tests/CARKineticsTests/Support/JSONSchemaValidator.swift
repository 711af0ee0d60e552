import Foundation

/// A validator for the subset of JSON Schema (draft 2020-12) that `docs/schema/` uses: `type`, `required`,
/// `properties`, `patternProperties`, `additionalProperties`, `enum`, `const`, `items`, `anyOf` and local
/// `$ref`s (`#/$defs/name`). Any other assertion keyword is reported as an error rather than ignored, so a
/// schema cannot pass by using what this validator does not check.
struct JSONSchemaValidator {
    /// The schema document (`$defs` are resolved against it).
    let root: [String: Any]

    /// Keywords that only annotate.
    private static let annotations: Set<String> = ["$schema", "$id", "$defs", "title", "description"]
    private static let assertions: Set<String> = [
        "$ref", "anyOf", "type", "enum", "const", "required", "properties", "patternProperties",
        "additionalProperties", "items",
    ]

    init(_ root: [String: Any]) {
        self.root = root
    }

    /// The schema file `docs/schema/<name>.schema.json` of this clone.
    init(schemaNamed name: String) throws {
        let url = repositoryURL("docs/schema/\(name).schema.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let root = object as? [String: Any] else { throw SchemaFileError(path: url.path) }
        self.init(root)
    }

    /// Every violation of the schema by `value` (JSON from `JSONSerialization`), as `path: what`; empty when valid.
    func errors(_ value: Any) -> [String] {
        var errors: [String] = []
        validate(value, against: root, at: "$", into: &errors)
        return errors
    }

    /// The schema `#/$defs/<name>` resolves to.
    func definition(_ name: String) -> [String: Any]? {
        (root["$defs"] as? [String: Any])?[name] as? [String: Any]
    }

    /// The keys of `object` that `schema` (an object schema) neither lists in `properties` nor matches by
    /// `patternProperties`: the members only `additionalProperties` admits.
    static func undeclaredKeys(_ object: [String: Any], in schema: [String: Any]) -> [String] {
        let properties = schema["properties"] as? [String: Any] ?? [:]
        let patterns = (schema["patternProperties"] as? [String: Any] ?? [:]).keys
        return object.keys.filter { key in
            properties[key] == nil && !patterns.contains { matches(key, $0) }
        }.sorted()
    }

    private func validate(_ value: Any, against schema: Any, at path: String, into errors: inout [String]) {
        if let flag = schema as? Bool {
            if !flag { errors.append("\(path): not allowed") }
            return
        }
        guard let schema = schema as? [String: Any] else {
            errors.append("\(path): schema is neither an object nor a boolean")
            return
        }
        for keyword in schema.keys
        where !Self.annotations.contains(keyword) && !Self.assertions.contains(keyword) {
            errors.append("\(path): unsupported keyword \(keyword)")
        }
        if let reference = schema["$ref"] as? String {
            let prefix = "#/$defs/"
            if reference.hasPrefix(prefix), let target = definition(String(reference.dropFirst(prefix.count))) {
                validate(value, against: target, at: path, into: &errors)
            } else {
                errors.append("\(path): unresolvable $ref \(reference)")
            }
        }
        if let options = schema["anyOf"] as? [Any] {
            let passes = options.contains { option in
                var optionErrors: [String] = []
                validate(value, against: option, at: path, into: &optionErrors)
                return optionErrors.isEmpty
            }
            if !passes { errors.append("\(path): matches none of anyOf (\(Self.describe(value)))") }
        }
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [(type as? String) ?? "?"]
            if !types.contains(where: { Self.isType(value, $0) }) {
                errors.append("\(path): \(Self.describe(value)) is not of type \(types.joined(separator: "|"))")
            }
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal($0, value) }) {
            errors.append("\(path): \(Self.describe(value)) is not one of the enum")
        }
        if let constant = schema["const"], !Self.equal(constant, value) {
            errors.append("\(path): \(Self.describe(value)) is not the const \(Self.describe(constant))")
        }
        if let object = value as? [String: Any] {
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                errors.append("\(path): required member '\(name)' missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            let patterns = schema["patternProperties"] as? [String: Any] ?? [:]
            for (key, member) in object {
                var declared = false
                if let property = properties[key] {
                    declared = true
                    validate(member, against: property, at: "\(path).\(key)", into: &errors)
                }
                for (pattern, patternSchema) in patterns where Self.matches(key, pattern) {
                    declared = true
                    validate(member, against: patternSchema, at: "\(path).\(key)", into: &errors)
                }
                if !declared, let additional = schema["additionalProperties"] {
                    validate(member, against: additional, at: "\(path).\(key)", into: &errors)
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (index, element) in array.enumerated() {
                validate(element, against: items, at: "\(path)[\(index)]", into: &errors)
            }
        }
    }

    /// Whether `key` matches the ECMA-262-style `pattern` (unanchored, as JSON Schema specifies).
    private static func matches(_ key: String, _ pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)) != nil
    }

    private static func number(_ value: Any) -> Double? {
        if value is String || value is NSNull { return nil }
        return (value as? NSNumber)?.doubleValue
    }

    private static func isType(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": value is NSNull
        case "string": value is String
        case "number": number(value) != nil
        case "integer": number(value).map { $0.isFinite && $0 == $0.rounded() } ?? false
        case "object": value is [String: Any]
        case "array": value is [Any]
        default: false
        }
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if a is NSNull || b is NSNull { return a is NSNull && b is NSNull }
        if let a = a as? String { return (b as? String) == a }
        if b is String { return false }
        if let x = number(a), let y = number(b) { return x == y }
        return false
    }

    private static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let text = value as? String { return "\"\(text)\"" }
        if let x = number(value) { return "\(x)" }
        return value is [Any] ? "an array" : "an object"
    }
}

/// A schema file that is not a JSON object.
struct SchemaFileError: Error {
    let path: String
}

/// A file of this clone, from this source file's place in it (the tests run where they were built).
func repositoryURL(_ relativePath: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent() // Support
        .deletingLastPathComponent() // CARKineticsTests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // the package root
        .appendingPathComponent(relativePath)
}
