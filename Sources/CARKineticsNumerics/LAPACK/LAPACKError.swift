/// An error reported by, or detected before calling, a LAPACK routine.
///
/// Negative `info` values (illegal arguments) and positive ones (numerical failures) are both turned
/// into cases of this type; the process never stops inside LAPACK (see `Xerbla.swift`).
public enum LAPACKError: Error, Sendable, Equatable, CustomStringConvertible {
    /// LAPACK rejected argument number `position` (1-based, as in the routine's documentation) of
    /// `routine`; this is `info = -position`. It indicates a bug in the caller, since the Swift wrappers
    /// validate dimensions first.
    case illegalArgument(routine: String, position: Int)
    /// The routine ran but could not complete: `info > 0`, with its documented meaning (for example a
    /// zero diagonal element of a triangular matrix, or a matrix that is not positive definite).
    case routineFailure(routine: String, info: Int, meaning: String)
    /// Swift-side validation failed before the call: inconsistent sizes, too-small buffers, or a
    /// dimension that does not fit LAPACK's 32-bit `INTEGER`.
    case invalidDimensions(routine: String, reason: String)

    /// A one-line message naming the routine and the problem.
    public var description: String {
        switch self {
        case .illegalArgument(let routine, let position):
            return "LAPACK \(routine): argument \(position) had an illegal value"
        case .routineFailure(let routine, let info, let meaning):
            return "LAPACK \(routine) failed (info = \(info)): \(meaning)"
        case .invalidDimensions(let routine, let reason):
            return "LAPACK \(routine): invalid dimensions: \(reason)"
        }
    }
}
