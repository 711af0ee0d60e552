import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite("LAPACK wrapper")
struct LAPACKWrapperTests {
    /// 5×3 with column 2 the longest and column 0 the shortest, so pivoting must reorder to [2, 1, 0].
    let a = Matrix(rows: 5, columns: 3) { i, j in
        let x = Double(i + 1)
        switch j {
        case 0: return 1
        case 1: return x
        default: return x * x + 0.5
        }
    }

    @Test("negative info from LAPACK becomes illegalArgument and the process survives")
    func illegalArgumentIsTyped() throws {
        // dgesdd's minimum LWORK is left to LAPACK to check, so an undersized work buffer reaches the routine
        // and it reports argument 12 (LWORK) through the xerbla override instead of stopping the process.
        var m = a.elements
        var s = [Double](repeating: 0, count: 3)
        var work = [0.0]
        var iwork = [Int32](repeating: 0, count: 24)
        var u: [Double] = []
        var vt: [Double] = []
        #expect(throws: LAPACKError.illegalArgument(routine: "DGESDD", position: 12)) {
            try withMutableBuffers(&m, &s, &work, &iwork, &u, &vt) { (m, s, work, iwork, u, vt) throws(LAPACKError) in
                try LAPACK.gesdd(
                    vectors: .none, rows: 5, columns: 3, a: m, leadingDimension: 5, singularValues: s,
                    u: u, leadingDimensionU: 1, vt: vt, leadingDimensionVT: 1, work: work, iwork: iwork)
            }
        }
        // Still alive: a normal call afterwards works.
        let values = try LAPACK.singularValues(of: Matrix(rows: 2, columns: 2, elements: [3, 0, 0, 4]))
        #expect(values == [4, 3])
    }

    @Test("dimensions are validated in Swift before calling LAPACK")
    func dimensionValidation() throws {
        var buffer = [Double](repeating: 0, count: 10) // a 5×3 needs 15
        var tau = [Double](repeating: 0, count: 3)
        var work = [Double](repeating: 0, count: 100)
        var pivots = [Int32](repeating: 0, count: 3)
        let error = buffer.withUnsafeMutableBufferPointer { b in
            tau.withUnsafeMutableBufferPointer { t in
                work.withUnsafeMutableBufferPointer { w in
                    pivots.withUnsafeMutableBufferPointer { p in
                        do throws(LAPACKError) {
                            try LAPACK.geqp3(rows: 5, columns: 3, a: b, leadingDimension: 5, pivots: p, tau: t, work: w)
                            return nil as LAPACKError?
                        } catch { return error }
                    }
                }
            }
        }
        #expect(error == .invalidDimensions(routine: "DGEQP3", reason: "A holds 10 elements, needs 15"))
        #expect(throws: LAPACKError.self) { try Matrix(rows: 2, columns: 2, elements: [1, 2, 3]) }
        #expect(throws: LAPACKError.self) { try QRWorkspace(rows: 0, columns: 2) }
    }

    @Test("workspace queries return at least the documented minimum and the blocked optimum exceeds it")
    func workspaceQuery() throws {
        let n = 40
        let qp3 = try LAPACK.geqp3WorkspaceSize(rows: 100, columns: n)
        #expect(qp3 > 3 * n + 1) // blocked dgeqp3 asks for (n + 1)·nb extra
        let qrf = try LAPACK.geqrfWorkspaceSize(rows: 100, columns: n)
        #expect(qrf >= n)
        let svd = try LAPACK.gesddWorkspaceSize(vectors: .none, rows: 100, columns: n)
        #expect(svd >= 3 * n + max(100, 7 * n))
        let orm = try LAPACK.ormqrWorkspaceSize(
            side: .left, transpose: .transpose, rows: 100, columns: 1, reflectors: n)
        #expect(orm >= 1)
    }

    @Test("pivoted QR reproduces A·P = Q·R with decreasing |R_kk|")
    func pivotedQR() throws {
        var qr = try QRWorkspace(rows: 5, columns: 3)
        try qr.factor(a)
        #expect((0..<3).map(qr.pivot) == [2, 1, 0])
        #expect(abs(qr.r(0, 0)) >= abs(qr.r(1, 1)) && abs(qr.r(1, 1)) >= abs(qr.r(2, 2)))
        // Explicit Q from Q·e_i, then compare Q·R with the permuted columns of A.
        var q = Matrix(rows: 5, columns: 5)
        for col in 0..<5 {
            var e = [Double](repeating: 0, count: 5)
            e[col] = 1
            try e.withUnsafeMutableBufferPointer { (e) throws(LAPACKError) in try qr.applyQ(e) }
            for i in 0..<5 { q[i, col] = e[i] }
        }
        // Qᵀ·Q = I
        let qtq = q.transposed.multiplied(by: q)
        for i in 0..<5 { for j in 0..<5 { #expect(abs(qtq[i, j] - (i == j ? 1 : 0)) < 1e-14) } }
        for j in 0..<3 {
            for i in 0..<5 {
                var qrIJ = 0.0
                for k in 0...min(j, 2) { qrIJ += q[i, k] * qr.r(k, j) }
                #expect(abs(qrIJ - a[i, qr.pivot(j)]) < 1e-13 * 30, "A·P vs Q·R at (\(i), \(j))")
            }
        }
        #expect(qr.rank(relativeTolerance: 1e-12) == 3)
    }

    @Test("QR least-squares solve of an exact quadratic returns its coefficients")
    func qrSolve() throws {
        // y = 2 − 3x + 0.25x² at x = 1…5, with the design as above (third column x² + 0.5).
        let coefficients = [2.0 - 0.125, -3, 0.25]
        var y = a.multiplied(by: coefficients)
        var qr = try QRWorkspace(rows: 5, columns: 3)
        try qr.factor(a)
        var x = [Double](repeating: .nan, count: 3)
        try y.withUnsafeMutableBufferPointer { (y) throws(LAPACKError) in
            try x.withUnsafeMutableBufferPointer { (x) throws(LAPACKError) in try qr.solve(y, rank: 3, solution: x) }
        }
        for j in 0..<3 { #expect(abs(x[j] - coefficients[j]) < 1e-13, "coefficient \(j): \(x[j])") }
        // Residual coordinates (Qᵀy)[3...] are zero for an exact fit.
        #expect(abs(y[3]) < 1e-12 && abs(y[4]) < 1e-12)
    }

    @Test("(AᵀA)⁻¹ from the pivoted R is in original column order")
    func inverseGram() throws {
        var qr = try QRWorkspace(rows: 5, columns: 3)
        try qr.factor(a)
        var inverse = [Double](repeating: 0, count: 9)
        try inverse.withUnsafeMutableBufferPointer { (out) throws(LAPACKError) in try qr.inverseGram(into: out) }
        let gram = a.transposed.multiplied(by: a)
        let product = gram.multiplied(by: try Matrix(rows: 3, columns: 3, elements: inverse))
        for i in 0..<3 { for j in 0..<3 { #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-11) } }
    }

    @Test("triangular solve, zero diagonal, and Cholesky failure are reported")
    func triangular() throws {
        // Upper T = [[2, 1, −1], [0, 4, 2], [0, 0, 0.5]]; T·[1, 2, 4] = [0, 16, 2].
        let t: [Double] = [2, 0, 0, 1, 4, 0, -1, 2, 0.5]
        var b: [Double] = [0, 16, 2]
        try t.withUnsafeBufferPointer { (t) throws(LAPACKError) in
            try b.withUnsafeMutableBufferPointer { (b) throws(LAPACKError) in
                try LAPACK.trtrs(
                    triangle: .upper, transpose: .none, order: 3, rightHandSides: 1,
                    a: t, leadingDimension: 3, b: b, leadingDimensionB: 3)
            }
        }
        #expect(b == [1, 2, 4])
        // Tᵀ·x = [2, 9, 5] has x = [1, 2, 4] too.
        var bt: [Double] = [2, 9, 5]
        try t.withUnsafeBufferPointer { (t) throws(LAPACKError) in
            try bt.withUnsafeMutableBufferPointer { (b) throws(LAPACKError) in
                try LAPACK.trtrs(
                    triangle: .upper, transpose: .transpose, order: 3, rightHandSides: 1,
                    a: t, leadingDimension: 3, b: b, leadingDimensionB: 3)
            }
        }
        #expect(bt == [1, 2, 4])
        var singular: [Double] = [2, 0, 0, 1, 0, 0, -1, 2, 0.5]
        #expect(
            throws: LAPACKError.routineFailure(
                routine: "DTRTRI", info: 2,
                meaning: "diagonal element 2 is exactly zero; the matrix is singular")
        ) {
            try singular.withUnsafeMutableBufferPointer { (s) throws(LAPACKError) in
                try LAPACK.trtri(triangle: .upper, order: 3, a: s, leadingDimension: 3)
            }
        }
        var indefinite: [Double] = [1, 2, 2, 1]
        #expect(
            throws: LAPACKError.routineFailure(
                routine: "DPOTRF", info: 2,
                meaning: "leading minor of order 2 is not positive definite")
        ) {
            try indefinite.withUnsafeMutableBufferPointer { (s) throws(LAPACKError) in
                try LAPACK.potrf(triangle: .upper, order: 2, a: s, leadingDimension: 2)
            }
        }
    }

    @Test("singular values and condition number")
    func svd() throws {
        // Columns (3, 0, 0) and (0, 0, 4): singular values 4 and 3.
        let m = try Matrix(rows: 3, columns: 2, elements: [3, 0, 0, 0, 0, 4])
        #expect(try LAPACK.singularValues(of: m) == [4, 3])
        #expect(try LAPACK.conditionNumber(of: m) == 4.0 / 3.0)
        #expect(try LAPACK.conditionNumber(of: Matrix(rows: 2, columns: 2, elements: [1, 1, 1, 1])) > 1e15)
    }
}
