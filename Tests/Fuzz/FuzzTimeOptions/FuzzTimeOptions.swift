import CARKinetics

/// libFuzzer entry point for the time-unit grammars: `--time-unit` / `--output-time-unit` (and the unit cells of
/// `FRLTU`, `time_unit`, …: ``TimeUnit/init(parsing:)``) and `--interval A,B[unit]` (`AUCIntervalGrammar`). The
/// first byte picks the parser (even: a time unit, odd: an interval); the rest is the text. A rejected text is
/// fine; a trap is a bug, and so is an accepted value that breaks the grammars' promises: a unit whose symbol
/// does not read back as itself, a window that is not 0 ≤ start < end and finite, a window with a unit that some
/// unit cannot express, or an error message longer than its cap allows.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimeOptions(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    if selector % 2 == 0 {
        guard let unit = TimeUnit(parsing: text) else { return 0 }
        if TimeUnit(parsing: unit.symbol) != unit || TimeUnit(parsing: unit.plural) != unit {
            fatalError("\(unit) does not read back from its own spellings")
        }
        return 0
    }
    do {
        let interval = try AUCIntervalGrammar.parse(text)
        guard interval.start.isFinite, interval.end.isFinite, interval.start >= 0, interval.start < interval.end
        else { fatalError("bad window accepted: \(text.debugDescription) -> \(interval)") }
        if interval.unit != nil {
            for unit in TimeUnit.allCases {
                guard let converted = interval.converted(to: unit), converted.start < converted.end else {
                    fatalError("window \(text.debugDescription) cannot be expressed in \(unit)")
                }
            }
        }
    } catch {
        // The quoted text is capped at 80 scalars (each escaped control scalar is at most 10 characters).
        if error.message.unicodeScalars.count > 80 * 10 + 300 {
            fatalError("uncapped message for \(text.debugDescription)")
        }
    }
    return 0
}
