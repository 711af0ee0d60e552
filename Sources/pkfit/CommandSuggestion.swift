import ArgumentParser
import CARKinetics

/// "Did you mean …?" for a mistyped subcommand (`pkfit nac` → `nca`). ArgumentParser already suggests options
/// (`--grup` → `--group`) but reports an unknown subcommand only as unexpected arguments.
enum CommandSuggestion {
    /// The usage error for `arguments` (the command line without the program name) when its first word is
    /// not a subcommand of `command`, descending into nested subcommands (`validate nits`); nil when the
    /// words name commands or start with an option.
    static func unknownSubcommand(_ arguments: [String], of command: any ParsableCommand.Type) -> String? {
        var command = command
        var path = [command.configuration.commandName ?? "pkfit"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
            let names = subcommands.map { $0._commandName }
            if let index = names.firstIndex(of: word) {
                command = subcommands[index]
                path.append(word)
                continue
            }
            if word == "help" { return nil }
            var message =
                "unknown command '\(MessageText.capped(word, limit: 60))' for '\(path.joined(separator: " "))'"
            if let closest = closest(to: word, among: names) {
                message += "; did you mean '\(closest)'?"
            } else {
                message += "; the commands are \(names.joined(separator: ", "))"
            }
            return message
        }
        return nil
    }

    /// The name within edit distance 2 (adjacent transpositions count as one edit), or a unique prefix
    /// match; nil when none or the nearest is not unique.
    static func closest(to word: String, among names: [String]) -> String? {
        let lowered = word.lowercased()
        let prefixed = names.filter { $0.hasPrefix(lowered) && !lowered.isEmpty }
        if prefixed.count == 1 { return prefixed[0] }
        let scored = names.map { ($0, distance(lowered, $0)) }.filter { $0.1 <= min(2, max(1, $0.0.count / 2)) }
        guard let best = scored.map(\.1).min() else { return nil }
        let winners = scored.filter { $0.1 == best }
        return winners.count == 1 ? winners[0].0 : nil
    }

    /// Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[x.count][y.count]
    }
}
