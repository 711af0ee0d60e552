import CARKineticsData
import CARKineticsNumerics

extension NISTValidation {
    /// The estimates as JSON, in result order: `{"generator": {…}, "schema": "…/validate/1", "units": {},
    /// "estimates": {"Misra1a": {"start1": [b1, ...],
    /// "start2": [...]}, "Longley": [B0, ...]}}`, parameters in file order, every number at full (shortest round-trip)
    /// precision; a non-finite estimate is written as every JSON output of the package writes it, as the
    /// string `"NaN"`, `"Infinity"` or `"-Infinity"` (`JSONWriter`).
    public static func estimatesJSON(_ results: [Result]) -> String {
        func array(_ values: [Double], to out: inout [UInt8]) {
            out.append(UInt8(ascii: "["))
            for (k, value) in values.enumerated() {
                if k > 0 { out += Array(", ".utf8) }
                JSONWriter.appendNumber(value, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        // The certified problems are unitless: the envelope states the schema and an empty unit map.
        var out = Array("{".utf8) + JSONWriter.generator
        out += JSONEnvelope(schema: JSONEnvelope.validateSchema, names: [], levelUnit: nil, timeUnit: .days)
            .bytes(columns: [])
        out += Array(", \"estimates\": {\n".utf8)
        let start = out.count
        var index = 0
        while index < results.count {
            let name = results[index].problem
            var group: [Result] = []
            while index < results.count, results[index].problem == name {
                group.append(results[index])
                index += 1
            }
            if !group.isEmpty, out.count > start { out += Array(",\n".utf8) }
            out += Array("  ".utf8)
            JSONWriter.appendQuoted(name, to: &out)
            out += Array(": ".utf8)
            if group.count == 1, group[0].start == nil {
                array(group[0].estimates, to: &out)
            } else {
                out += Array("{\n".utf8)
                for (k, result) in group.enumerated() {
                    if k > 0 { out += Array(",\n".utf8) }
                    out += Array("    ".utf8)
                    JSONWriter.appendQuoted("start\(result.start ?? 0)", to: &out)
                    out += Array(": ".utf8)
                    array(result.estimates, to: &out)
                }
                out += Array("\n  }".utf8)
            }
        }
        out += Array("\n}}\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
