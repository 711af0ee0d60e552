/// `‖v‖₂` of `count` doubles without overflow or harmful underflow.
///
/// The plain sum of squares is used when it is safely inside the normal range (the common case); otherwise
/// the vector is rescaled by its largest magnitude first, the same protection MINPACK's `enorm` gives.
/// NaN entries give NaN and infinite entries +∞, so callers can test the result with `isFinite`.
@inline(__always)
func euclideanNorm(_ v: UnsafePointer<Double>, _ count: Int) -> Double {
    var sum = 0.0
    for i in 0..<count { sum += v[i] * v[i] }
    if sum > 1e-290 && sum < 1e290 { return sum.squareRoot() }
    if sum.isNaN { return .nan }
    var largest = 0.0
    for i in 0..<count { largest = max(largest, abs(v[i])) }
    guard largest > 0, largest.isFinite else { return largest }
    var scaled = 0.0
    for i in 0..<count {
        let t = v[i] / largest
        scaled += t * t
    }
    return largest * scaled.squareRoot()
}
