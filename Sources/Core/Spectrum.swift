import CLinearAlgebra

/// Singular values and numerical rank of a float32 matrix, computed in float64
/// with LAPACK.
public enum Spectrum {
    /// An error from LAPACK.
    public struct Failure: Error, CustomStringConvertible {
        /// The LAPACK routine and its info code.
        public let description: String
    }

    /// The singular values of the `rows x cols` row-major matrix `values`,
    /// in descending order, from LAPACK's dgesdd in float64.
    public static func singularValues(rows: Int, cols: Int, values: UnsafeBufferPointer<Float>) throws -> [Double] {
        precondition(values.count == rows * cols, "matrix of \(rows) x \(cols) needs \(rows * cols) values")
        let count = min(rows, cols)
        guard count > 0 else { return [] }
        var work = values.map(Double.init)
        var singular = [Double](repeating: 0, count: count)
        // Row-major A is column-major A^T, which has the same singular values.
        var noU = 0.0, noVT = 0.0  // not referenced with jobz = 'N'
        let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(cols), Int32(rows),
                                  &work, Int32(cols), &singular, &noU, 1, &noVT, 1)
        guard info == 0 else { throw Failure(description: "LAPACKE_dgesdd failed with info \(info)") }
        return singular
    }

    /// The number of singular values above `relativeTolerance * sigma_max`
    /// (0 for a zero matrix).
    public static func rank(singularValues: [Double], relativeTolerance: Double) -> Int {
        guard let largest = singularValues.first, largest > 0 else { return 0 }
        let threshold = relativeTolerance * largest
        return singularValues.count { $0 > threshold }
    }
}
