import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall time and peak resident memory of one run of an external program.
struct ChildRun {
    var seconds: Double
    /// Peak resident set size of the child (`ru_maxrss` from `wait4`), in bytes.
    var peakBytes: Int
    /// User + system CPU time of the child: less disturbed than wall time when other jobs share the cores.
    var cpuSeconds: Double
    var status: Int32
}

/// Runs `arguments[0]` (an absolute path) with stdout and stderr sent to /dev/null and measures it with
/// `wait4`, which reports the child's own peak RSS and CPU time (not the benchmark's). Linux only; elsewhere
/// wall time alone.
func runChild(_ arguments: [String], environment: [String: String] = [:]) -> ChildRun {
    #if os(Linux)
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    let cArguments = arguments.map { strdup($0) } + [nil]
    let cEnvironment = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for pointer in cArguments { free(pointer) }
        for pointer in cEnvironment { free(pointer) }
    }
    let clock = ContinuousClock()
    let start = clock.now
    var pid: pid_t = 0
    guard posix_spawn(&pid, arguments[0], &actions, nil, cArguments, cEnvironment) == 0 else {
        return ChildRun(seconds: .nan, peakBytes: 0, cpuSeconds: .nan, status: -1)
    }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    func time(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return ChildRun(
        seconds: seconds, peakBytes: Int(usage.ru_maxrss) * 1024,
        cpuSeconds: time(usage.ru_utime) + time(usage.ru_stime), status: status)
    #else
    // Elsewhere: wall time only, through Foundation.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let clock = ContinuousClock()
    let start = clock.now
    do { try process.run() } catch { return ChildRun(seconds: .nan, peakBytes: 0, cpuSeconds: .nan, status: -1) }
    process.waitUntilExit()
    let elapsed = clock.now - start
    return ChildRun(
        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
        peakBytes: 0, cpuSeconds: .nan, status: process.terminationStatus)
    #endif
}

/// The fastest of `repeats` runs (the least disturbed by other load on a shared machine), with the largest
/// peak memory seen.
func bestOf(_ repeats: Int, _ arguments: [String], environment: [String: String] = [:]) -> ChildRun {
    var best = runChild(arguments, environment: environment)
    for _ in 1..<max(1, repeats) {
        let run = runChild(arguments, environment: environment)
        if run.status != 0 { return run }
        best.peakBytes = max(best.peakBytes, run.peakBytes)
        if run.seconds < best.seconds { best.seconds = run.seconds }
        best.cpuSeconds = min(best.cpuSeconds, run.cpuSeconds)
    }
    return best
}

/// A sibling executable of this benchmark in the same build directory (`swift build -c release` builds both).
func siblingExecutable(_ name: String) -> String? {
    let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent(name).path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}

/// The first executable named `name` on PATH.
func onPath(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("carkinetics-bench-\(getpid())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
