import ArgumentParser
import CARKinetics

extension OutputOptions {
    /// Whether the chosen format is one for people (table, markdown) rather than machines; readable
    /// formats show display names with units (`Cmax (copies/ug)`), machine formats the column names.
    var isReadable: Bool { format == .table || format == .markdown }

    /// The output this group names, for `FileSafety`.
    var outputs: [FileSafety.Output] { output.map { [FileSafety.Output(flag: "--output", path: $0)] } ?? [] }
}
