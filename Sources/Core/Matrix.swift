/// A dense row-major float32 matrix that owns its values.
public struct Matrix: Equatable, Sendable {
    /// Rows.
    public let rows: Int
    /// Columns.
    public let cols: Int
    /// The `rows * cols` values, row-major.
    public var values: [Float]

    /// A matrix over `values`, which must hold `rows * cols` entries.
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "\(rows) x \(cols) matrix given \(values.count) values")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A matrix from its rows, which must all have the same length.
    public init(_ rows: [[Float]]) {
        self.init(rows: rows.count, cols: rows.first?.count ?? 0, values: rows.flatMap { $0 })
    }

    /// A matrix of zeros.
    public init(zeros rows: Int, _ cols: Int) {
        self.init(rows: rows, cols: cols, values: [Float](repeating: 0, count: rows * cols))
    }

    /// The element at `row`, `col`.
    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// The singular values in descending order, in float64.
    public func singularValues() throws -> [Double] {
        try values.withUnsafeBufferPointer { try Spectrum.singularValues(rows: rows, cols: cols, values: $0) }
    }
}
