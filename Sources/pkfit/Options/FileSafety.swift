import ArgumentParser
import CARKinetics
import Foundation

/// The checks made on file names before anything is read or written (docs/robustness.md, "Output files"):
/// no input twice, no output onto an input, no two outputs onto one file — by file identity (device and
/// inode), so `./f.csv`, a symbolic link or a hard link to the same file are caught; an output that does not
/// exist yet is compared by its canonical directory and name. Character devices, FIFOs and sockets are
/// written in place and may be named more than once (`--output /dev/null --audit /dev/null`). `-` is
/// standard input as an input and standard output as `--output` (refused for every other output).
enum FileSafety {
    /// An output flag and its path.
    struct Output {
        var flag: String
        var path: String
    }

    /// Throws a usage error (exit 64) naming both spellings of any clash. `figureStem` is the Markdown
    /// report's path, whose `STEM-figure-N.svg` files must not land on an input or another output either.
    static func check(inputs: [String], outputs: [Output], figuresBeside markdown: String? = nil) throws {
        var inputKeys: [FileIdentity: String] = [:]
        var inputPaths: [String: String] = [:]
        for path in inputs where path != "-" {
            guard let identity = FileIdentity(path: path) else { continue }
            if let earlier = inputKeys[identity] {
                throw ValidationError(
                    "'\(MessageText.capped(path, limit: 200))' and '\(MessageText.capped(earlier, limit: 200))' are the same file; give each input once"
                )
            }
            inputKeys[identity] = path
            inputPaths[canonical(path)] = path
        }
        var outputKeys: [String: String] = [:]
        var outputPaths: [String: String] = [:]
        for output in outputs {
            // `--output -` is standard output; no other output may be, and no file named `-` is ever made.
            if output.path == "-" {
                if output.flag == "--output" { continue }
                throw ValidationError(
                    "\(output.flag) '-': only --output can be standard output; give \(output.flag) a file name")
            }
            let destination: OutputDestination
            do {
                destination = try OutputDestination(output.path)
            } catch {
                throw ValidationError("\(output.flag) \(error.description)")
            }
            if destination.kind == .special { continue }
            // A missing folder is found now, before any input is read, not when the first file is written.
            let folder = (destination.resolved as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if !folder.isEmpty,
                !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory)
                    || !isDirectory.boolValue
            {
                throw ValidationError(
                    "\(output.flag) '\(MessageText.capped(output.path, limit: 200))': the folder '\(MessageText.capped(folder, limit: 200))' does not exist"
                )
            }
            let shown = "\(output.flag) '\(MessageText.capped(output.path, limit: 200))'"
            if let identity = destination.identity, let input = inputKeys[identity] {
                throw ValidationError(
                    "\(shown) is the input file '\(MessageText.capped(input, limit: 200))'; an output never replaces an input"
                )
            }
            if let earlier = outputKeys[destination.key] {
                throw ValidationError("\(shown) is the same file as \(earlier); give each output its own file")
            }
            outputKeys[destination.key] = shown
            outputPaths[canonical(destination.resolved)] = shown
        }
        if let markdown {
            let destination = try? OutputDestination(markdown)
            let resolved = destination?.resolved ?? markdown
            let directory = canonical(
                (resolved as NSString).deletingLastPathComponent.isEmpty
                    ? "." : (resolved as NSString).deletingLastPathComponent)
            let stem = ((resolved as NSString).lastPathComponent as NSString).deletingPathExtension
            for (path, shown) in inputPaths.map({
                ($0.key, "the input file '\(MessageText.capped($0.value, limit: 200))'")
            }) + outputPaths.map({ ($0.key, $0.value) }) {
                let name = (path as NSString).lastPathComponent
                guard (path as NSString).deletingLastPathComponent == directory, name.hasPrefix(stem + "-figure-"),
                    name.hasSuffix(".svg")
                else { continue }
                let number = name.dropFirst(stem.count + 8).dropLast(4)
                if !number.isEmpty, number.allSatisfy(\.isASCIIDigit) {
                    throw ValidationError(
                        "--markdown '\(MessageText.capped(markdown, limit: 200))' writes its figures as \(stem)-figure-N.svg, which would replace \(shown)"
                    )
                }
            }
        }
    }

    /// `path` with symbolic links followed and made absolute (the directory's real path plus the name when
    /// the file does not exist).
    static func canonical(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if let real = realpath(path, &buffer) { return String(cString: real) }
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        guard let real = realpath(directory.isEmpty ? "." : directory, &buffer) else { return path }
        return (String(cString: real) as NSString).appendingPathComponent(name)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
