import ArgumentParser
import CARKinetics

extension OutputOptions {
    /// Whether the chosen format is one for people (table, markdown) rather than machines; readable
    /// formats show display names with units (`Cmax (copies/ug)`), machine formats the column names.
    var isReadable: Bool { format == .table || format == .markdown }

    /// Refuses `--format pp` for commands whose output is not NCA parameters.
    func rejectPP(command: String) throws {
        if format == .pp {
            throw ValidationError("--format pp (SDTM PP parameters) is only available for 'pkfit nca'; '\(command)' writes csv, json, table or markdown.")
        }
    }

    /// The output this group names, for `FileSafety`.
    var outputs: [FileSafety.Output] { output.map { [FileSafety.Output(flag: "--output", path: $0)] } ?? [] }
}
