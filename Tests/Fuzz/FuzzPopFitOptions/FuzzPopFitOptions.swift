import CARKinetics

/// libFuzzer entry point for the command-line option grammars: `pkfit popfit`'s (the first byte picks the parser:
/// `--covariate`, `--random` and `--block` (the same list grammar), `--start`, or all four; the rest is the option
/// text) and, on every input, the
/// `--columns` list (`ColumnChoice`) over the same text, whose accepted lists must be non-empty, without empty or
/// repeated names, and select exactly those columns from a table that has them. A thrown ``PopulationOptionError`` is fine; a
/// trap or memory error is a bug, and so is an accepted value that breaks the grammar's promises (an empty name,
/// a non-finite start, a repeated --random name, a --block of fewer than two names, a --block list that --random
/// would not accept) or an error message longer than its cap allows.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPopFitOptions(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    func checkMessage(_ error: PopulationOptionError) {
        // The quoted text is capped at 80 scalars (each escaped control scalar is at most 10 characters).
        if error.message.unicodeScalars.count > 80 * 10 + 200 {
            fatalError("uncapped message for \(text.debugDescription)")
        }
    }
    if selector % 4 == 0 || selector % 4 == 3 {
        do {
            let effect = try PopulationOptionGrammar.covariate(text)
            if effect.parameter.isEmpty || effect.column.isEmpty {
                fatalError("empty covariate side: \(text.debugDescription)")
            }
        } catch { checkMessage(error) }
    }
    if selector % 4 == 1 || selector % 4 == 3 {
        do {
            let names = try PopulationOptionGrammar.random(text)
            if names.isEmpty || names.contains(where: \.isEmpty) || Set(names).count != names.count {
                fatalError("bad --random list accepted: \(text.debugDescription)")
            }
        } catch { checkMessage(error) }
    }
    if selector % 4 == 1 || selector % 4 == 3 {
        do {
            let names = try PopulationOptionGrammar.block(text)
            if names.count < 2 || names.contains(where: \.isEmpty) || Set(names).count != names.count {
                fatalError("bad --block list accepted: \(text.debugDescription)")
            }
            // A block is a --random list with two or more names: the same names, in the same order.
            if (try? PopulationOptionGrammar.random(text)) != names {
                fatalError("--block and --random disagree on \(text.debugDescription)")
            }
        } catch { checkMessage(error) }
    }
    if selector % 4 == 2 || selector % 4 == 3 {
        do {
            let parsed = try PopulationOptionGrammar.start(text)
            if parsed.name.isEmpty || !parsed.value.isFinite {
                fatalError("bad --start accepted: \(text.debugDescription)")
            }
        } catch { checkMessage(error) }
    }
    do {
        let names = try ColumnChoice.names(text)
        if names.isEmpty || names.contains(where: \.isEmpty) || Set(names).count != names.count {
            fatalError("bad --columns list accepted: \(text.debugDescription)")
        }
        let table = ResultTable(
            columns: names.reversed() + ["extra"], rows: [names.reversed().map { .text($0) } + [.empty]])
        let picked = try ColumnChoice.select(table, names)
        if picked.columns != names || picked.rows != [names.map { .text($0) }] {
            fatalError("--columns selected the wrong cells: \(text.debugDescription)")
        }
    } catch {
        if error.description.unicodeScalars.count > 80 * 10 + 200 + 10 * text.unicodeScalars.count {
            fatalError("runaway --columns message for \(text.debugDescription)")
        }
    }
    return 0
}
