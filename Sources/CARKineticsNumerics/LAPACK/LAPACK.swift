import CLAPACK

/// Thin, checked Swift entry points to the reference Fortran LAPACK routines the fitting layer uses.
///
/// Conventions shared by every function in this namespace:
/// - Matrices are column-major buffers with an explicit leading dimension (`lda ≥ max(1, rows)`), as in
///   LAPACK; ``Matrix`` uses `lda == rows`.
/// - Dimensions and buffer sizes are validated in Swift before the call and reported as
///   ``LAPACKError/invalidDimensions(routine:reason:)``; a negative `info` becomes
///   ``LAPACKError/illegalArgument(routine:position:)`` and a positive one
///   ``LAPACKError/routineFailure(routine:info:meaning:)``.
/// - Routines that need workspace have a `…WorkspaceSize` companion that performs LAPACK's workspace
///   query (`lwork = -1`). Callers allocate once and pass the buffer to every subsequent call, so hot loops
///   allocate nothing. A `work` buffer smaller than the routine's documented minimum is rejected.
/// - Functions never allocate except where stated.
package enum LAPACK {
    /// Side from which an orthogonal matrix is applied.
    package enum Side: Sendable { case left, right }
    /// Whether to use a matrix or its transpose.
    package enum Transpose: Sendable { case none, transpose }
    /// Which triangle of a matrix holds the data.
    package enum Triangle: Sendable { case upper, lower }
    /// Whether a triangular matrix has an implicit unit diagonal.
    package enum Diagonal: Sendable { case nonUnit, unit }
}

extension LAPACK.Side { var code: CChar { CChar(UInt8(ascii: self == .left ? "L" : "R")) } }
extension LAPACK.Transpose { var code: CChar { CChar(UInt8(ascii: self == .none ? "N" : "T")) } }
extension LAPACK.Triangle { var code: CChar { CChar(UInt8(ascii: self == .upper ? "U" : "L")) } }
extension LAPACK.Diagonal { var code: CChar { CChar(UInt8(ascii: self == .nonUnit ? "N" : "U")) } }

// MARK: - Validation helpers shared by the routine wrappers

/// Throws `invalidDimensions` unless `condition` holds.
@inline(__always)
func lapackRequire(_ condition: Bool, _ routine: String, _ reason: @autoclosure () -> String) throws(LAPACKError) {
    if !condition { throw .invalidDimensions(routine: routine, reason: reason()) }
}

/// `value` as Fortran `INTEGER` (32-bit in Debian's LP64 LAPACK).
@inline(__always)
func lapackInt(_ value: Int, _ routine: String, _ name: String) throws(LAPACKError) -> Int32 {
    guard let v = Int32(exactly: value) else {
        throw .invalidDimensions(routine: routine, reason: "\(name) = \(value) does not fit a 32-bit LAPACK integer")
    }
    return v
}

/// Checks that a column-major `rows × columns` matrix with leading dimension `lda` fits in `count` elements.
func lapackRequireMatrix(
    _ count: Int, rows: Int, columns: Int, lda: Int, _ routine: String, _ name: String
) throws(LAPACKError) {
    try lapackRequire(rows >= 0 && columns >= 0, routine, "\(name) dimensions \(rows)×\(columns) are negative")
    try lapackRequire(lda >= max(1, rows), routine, "leading dimension of \(name) is \(lda), needs ≥ \(max(1, rows))")
    let needed = columns == 0 ? 0 : lda * (columns - 1) + rows
    try lapackRequire(count >= needed, routine, "\(name) holds \(count) elements, needs \(needed)")
}

/// The base address of a buffer already validated to be non-empty.
@inline(__always)
func lapackBase<T>(
    _ buffer: UnsafeMutableBufferPointer<T>, _ routine: String, _ name: String
) throws(LAPACKError)
    -> UnsafeMutablePointer<T>
{
    guard let base = buffer.baseAddress, buffer.count > 0 else {
        throw .invalidDimensions(routine: routine, reason: "\(name) is empty")
    }
    return base
}

/// Converts LAPACK's `info` into an error; `meaning` describes a positive value.
@inline(__always)
func lapackCheck(_ info: Int32, _ routine: String, _ meaning: (Int) -> String) throws(LAPACKError) {
    if info < 0 { throw .illegalArgument(routine: routine, position: Int(-info)) }
    if info > 0 { throw .routineFailure(routine: routine, info: Int(info), meaning: meaning(Int(info))) }
}

/// The optimal workspace LAPACK reported in a query, never below `minimum`.
@inline(__always)
func lapackWorkspace(_ queried: Double, minimum: Int) -> Int {
    max(minimum, queried.isFinite ? Int(queried.rounded(.up)) : minimum, 1)
}
