import Dispatch

/// The package's one way of spreading independent work over the cores: `transform(i)` for every `i` in
/// `0..<count`, each result stored at its own index, so the array is the same whatever the number of threads
/// and however the work was scheduled.
///
/// The indices are dealt out in `chunks` strided sets (chunk `c` does `c`, `c + chunks`, …), one
/// `DispatchQueue.concurrentPerform` iteration each: a few chunks per core balance uneven work without paying
/// the scheduling cost per index.
///
/// - Parameters:
///   - count: the number of results.
///   - chunks: how many strided sets to deal the indices into; at least 1 (default: one per index).
///   - transform: a pure function of the index; called exactly once per index, from any thread.
/// - Returns: `(0..<count).map(transform)`.
package func parallelMap<T>(count: Int, chunks: Int? = nil, _ transform: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let chunks = Swift.max(1, Swift.min(count, chunks ?? count))
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        guard let base = buffer.baseAddress else { return }
        // Every index is written by exactly one iteration, so the iterations never touch the same element.
        nonisolated(unsafe) let output = base
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in stride(from: chunk, to: count, by: chunks) {
                (output + index).initialize(to: transform(index))
            }
        }
        initialized = count
    }
}
