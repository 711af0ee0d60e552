/// A dense real matrix stored column-major, the layout LAPACK expects (`lda == rows`).
///
/// Element `(i, j)` lives at `elements[i + j * rows]`. Indices are zero-based. The type is a plain value:
/// copies are independent (copy-on-write through the underlying array).
public struct Matrix: Sendable, Equatable {
    /// Number of rows (m).
    public let rows: Int
    /// Number of columns (n).
    public let columns: Int
    /// The `rows * columns` entries, column after column.
    public internal(set) var elements: [Double]

    /// A `rows × columns` matrix with every entry equal to `value`.
    /// - Precondition: `rows >= 0` and `columns >= 0` (programmer error otherwise).
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    /// - Throws: ``LAPACKError/invalidDimensions(routine:reason:)`` when a dimension is negative or
    ///   `elements.count != rows * columns`.
    public init(rows: Int, columns: Int, elements: [Double]) throws(LAPACKError) {
        guard rows >= 0, columns >= 0 else {
            throw .invalidDimensions(routine: "Matrix", reason: "dimensions \(rows)×\(columns) must be non-negative")
        }
        guard elements.count == rows * columns else {
            throw .invalidDimensions(
                routine: "Matrix",
                reason: "\(rows)×\(columns) matrix needs \(rows * columns) elements, got \(elements.count)")
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose entry `(i, j)` is `entry(i, j)`, filled column by column.
    public init(rows: Int, columns: Int, entry: (_ row: Int, _ column: Int) throws -> Double) rethrows {
        self.init(rows: rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { elements[i + j * rows] = try entry(i, j) }
        }
    }

    /// A matrix from its columns, each of the same length.
    /// - Throws: ``LAPACKError/invalidDimensions(routine:reason:)`` when the columns differ in length.
    public init(columns columnVectors: [[Double]]) throws(LAPACKError) {
        let m = columnVectors.first?.count ?? 0
        guard columnVectors.allSatisfy({ $0.count == m }) else {
            throw .invalidDimensions(routine: "Matrix", reason: "columns have different lengths")
        }
        self.rows = m
        self.columns = columnVectors.count
        self.elements = columnVectors.flatMap { $0 }
    }

    /// The `n × n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n { result.elements[i + i * n] = 1 }
        return result
    }

    /// Entry at zero-based `(row, column)`.
    /// - Precondition: indices in range (checked; out-of-range access is a programmer error).
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            return elements[row + column * rows]
        }
        set {
            precondition(row >= 0 && row < rows && column >= 0 && column < columns, "Matrix index out of range")
            elements[row + column * rows] = newValue
        }
    }

    /// A copy of column `j`.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Matrix column out of range")
        return Array(elements[(j * rows)..<((j + 1) * rows)])
    }

    /// The transpose.
    public var transposed: Matrix {
        Matrix(rows: columns, columns: rows) { i, j in self[j, i] }
    }

    /// `self · vector`, accumulated in `Double` in natural order (no BLAS; meant for diagnostics and
    /// small problems, not hot loops).
    /// - Precondition: `vector.count == columns`.
    public func multiplied(by vector: [Double]) -> [Double] {
        precondition(vector.count == columns, "Matrix-vector dimension mismatch")
        var result = [Double](repeating: 0, count: rows)
        for j in 0..<columns {
            let v = vector[j]
            for i in 0..<rows { result[i] += elements[i + j * rows] * v }
        }
        return result
    }

    /// `self · other`, accumulated in `Double` (no BLAS; for diagnostics and small problems).
    /// - Precondition: `columns == other.rows`.
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "Matrix-matrix dimension mismatch")
        var result = Matrix(rows: rows, columns: other.columns)
        for j in 0..<other.columns {
            for k in 0..<columns {
                let b = other.elements[k + j * other.rows]
                for i in 0..<rows { result.elements[i + j * rows] += elements[i + k * rows] * b }
            }
        }
        return result
    }
}
