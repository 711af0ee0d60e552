import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary output files alive in this process, removed if the process is stopped by SIGINT, SIGTERM,
/// SIGHUP or SIGPIPE (docs/robustness.md, "Output files").
///
/// The handler must be async-signal-safe: it reads a fixed table of C strings allocated once, calls only
/// `unlink(2)`, `signal(2)` and `raise(3)`, and then re-raises the signal with its default action, so the
/// exit status still says which signal stopped the process. A path is copied into the table before its file
/// is created and taken out after the file is renamed or removed. A path taken out is not freed (a few bytes
/// per output file), so a handler running on another thread never reads freed memory.
public enum TemporaryFiles {
    /// How many temporaries may be alive at once.
    static let capacity = 1024

    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        return table
    }()

    /// `[0]`: 1 while a commit renames its files (a signal then only records itself in `[1]`).
    nonisolated(unsafe) private static let state: UnsafeMutablePointer<Int32> = {
        let state = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        state.initialize(repeating: 0, count: 2)
        return state
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// The signals after which temporaries are removed.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGPIPE]

    /// Installs the handlers (once per process) for each signal whose action is the default; an ignored
    /// signal (`nohup`, `trap '' PIPE`) stays ignored.
    public static func installHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        // Touch the lazily created tables before any handler can run.
        _ = slots
        _ = state
        // A parent may hand down a mask that blocks these signals (test runners do); a handler that is never
        // called removes nothing, so they are unblocked on this thread.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signalNumber in signals { sigaddset(&unblock, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signalNumber in signals {
            let previous = signal(signalNumber, temporaryFilesSignalHandler)
            if let previous, unsafeBitCast(previous, to: Int.self) == 1 {
                _ = signal(signalNumber, SIG_IGN)
            }
        }
    }

    /// Records `path` as a live temporary; the slot to give back to `unregister`, or nil if the table is full.
    static func register(_ path: String) -> Int? {
        guard let copy = strdup(path) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        for index in 0..<capacity where slots[index] == nil {
            slots[index] = copy
            return index
        }
        free(copy)
        return nil
    }

    /// Takes a temporary out of the table (it has been renamed or removed).
    static func unregister(_ slot: Int) {
        lock.lock()
        defer { lock.unlock() }
        slots[slot] = nil
    }

    /// How many temporaries are alive.
    public static var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return (0..<capacity).reduce(0) { $0 + (slots[$1] == nil ? 0 : 1) }
    }

    /// Holds the cleanup signals back while a commit renames its files.
    static func holdSignals() { state[0] = 1 }

    /// Lets the signals through again; one that arrived meanwhile now stops the process.
    static func releaseSignals() {
        state[0] = 0
        let pending = state[1]
        if pending != 0 { removeAllAndReraise(pending) }
    }

    fileprivate static func handle(_ signalNumber: Int32) {
        if state[0] != 0 {
            state[1] = signalNumber
            return
        }
        removeAllAndReraise(signalNumber)
    }

    private static func removeAllAndReraise(_ signalNumber: Int32) {
        var index = 0
        while index < capacity {
            if let path = slots[index] { unlink(path) }
            index += 1
        }
        _ = signal(signalNumber, SIG_DFL)
        _ = raise(signalNumber)
    }

    /// The temporary name for an output called `name`: `.` + the name cut to at most 200 bytes (at a
    /// character boundary) + `.` + 12 random hex digits + `.tmp`, so at most 218 bytes — within the 255-byte
    /// limit for any valid final name.
    public static func temporaryName(for name: String) -> String {
        var prefix = ""
        var bytes = 0
        for scalar in name.unicodeScalars {
            let size = String(scalar).utf8.count
            if bytes + size > 200 { break }
            prefix.unicodeScalars.append(scalar)
            bytes += size
        }
        let random = String(UInt64.random(in: 0...UInt64(0xFFFF_FFFF_FFFF)), radix: 16)
        return "." + prefix + "." + String(repeating: "0", count: 12 - random.count) + random + ".tmp"
    }
}

/// The C signal handler (no captures, so it converts to a C function pointer).
private func temporaryFilesSignalHandler(_ signalNumber: Int32) {
    TemporaryFiles.handle(signalNumber)
}
