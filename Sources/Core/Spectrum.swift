import CLinearAlgebra
import Foundation

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
        try singularValues(rows: rows, cols: cols, doubles: values.map(Double.init))
    }

    /// The singular values of a float64 `rows x cols` row-major matrix, descending (dgesdd).
    public static func singularValues(rows: Int, cols: Int, doubles values: [Double]) throws -> [Double] {
        precondition(values.count == rows * cols, "matrix of \(rows) x \(cols) needs \(rows * cols) values")
        let count = min(rows, cols)
        guard count > 0 else { return [] }
        var work = values
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

    /// The number of singular values of the `rows x cols` row-major float32
    /// `values` above `relativeTolerance * sigma_max`, without an SVD: the
    /// count of eigenvalues of A^T A above tol^2 is the count of positive
    /// pivots of the LDL^T factorisation of A^T A - tol^2 I in float64
    /// (Sylvester's law of inertia), and sigma_max^2 comes from power
    /// iteration on A^T A. Where a singular value lies within 1% of the
    /// threshold the two counts at tol (1 -/+ 0.01) differ, and the exact SVD
    /// decides instead; so does a power iteration that does not settle.
    public static func rank(rows: Int, cols: Int, values: UnsafeBufferPointer<Float>, relativeTolerance: Double) throws -> Int {
        precondition(values.count == rows * cols, "matrix of \(rows) x \(cols) needs \(rows * cols) values")
        guard rows > 0, cols > 0 else { return 0 }
        let n = cols
        let a = values.map(Double.init)
        var gram = [Double](repeating: 0, count: n * n)  // A^T A, lower triangle
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(n), Int32(rows), 1, a, Int32(cols), 0, &gram, Int32(n))
        guard let largest = largestEigenvalue(symmetricLower: gram, n: n) else {
            return rank(singularValues: try singularValues(rows: rows, cols: cols, values: values), relativeTolerance: relativeTolerance)
        }
        guard largest > 0 else { return 0 }
        let threshold = relativeTolerance * largest.squareRoot()
        let below = try eigenvaluesAbove(threshold * threshold * 0.99 * 0.99, symmetricLower: gram, n: n)
        let above = try eigenvaluesAbove(threshold * threshold * 1.01 * 1.01, symmetricLower: gram, n: n)
        if below == above { return below }
        return rank(singularValues: try singularValues(rows: rows, cols: cols, values: values), relativeTolerance: relativeTolerance)
    }

    /// The largest eigenvalue of a positive semi-definite matrix (lower
    /// triangle stored) by power iteration, or nil if it does not settle to
    /// 1e-10 relative within 500 steps.
    public static func largestEigenvalue(symmetricLower matrix: [Double], n: Int) -> Double? {
        var vector = (0..<n).map { 1 + Double($0 % 7) / 16 }  // fixed, with a part along every direction
        var next = [Double](repeating: 0, count: n)
        var estimate = 0.0
        for _ in 0..<500 {
            let norm = cblas_dnrm2(Int32(n), vector, 1)
            guard norm > 0 else { return 0 }
            cblas_dscal(Int32(n), 1 / norm, &vector, 1)
            cblas_dsymv(CblasRowMajor, CblasLower, Int32(n), 1, matrix, Int32(n), vector, 1, 0, &next, 1)
            let rayleigh = cblas_ddot(Int32(n), vector, 1, next, 1)
            if abs(rayleigh - estimate) <= 1e-10 * rayleigh { return rayleigh }
            estimate = rayleigh
            swap(&vector, &next)
        }
        return nil
    }

    /// How many eigenvalues of the symmetric matrix (lower triangle) exceed
    /// `shift`: the positive inertia of its LDL^T factorisation after the shift.
    public static func eigenvaluesAbove(_ shift: Double, symmetricLower matrix: [Double], n: Int) throws -> Int {
        var shifted = matrix
        for index in 0..<n { shifted[index * n + index] -= shift }
        var pivots = [Int32](repeating: 0, count: n)
        let info = LAPACKE_dsytrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), &shifted, Int32(n), &pivots)
        guard info >= 0 else { throw Failure(description: "LAPACKE_dsytrf failed with info \(info)") }
        // D is block diagonal: 1 x 1 blocks where pivots[k] > 0, 2 x 2 blocks
        // (pivots[k] == pivots[k + 1] < 0) with one eigenvalue of each sign
        // when their determinant is negative, two of the diagonal's sign otherwise.
        var positive = 0, k = 0
        while k < n {
            let d = shifted[k * n + k]
            if pivots[k] > 0 || k + 1 == n {
                if d > 0 { positive += 1 }
                k += 1
            } else {
                let c = shifted[(k + 1) * n + k + 1], b = shifted[(k + 1) * n + k]
                let determinant = d * c - b * b
                positive += determinant < 0 ? 1 : (d > 0 ? 2 : 0)
                k += 2
            }
        }
        return positive
    }
}
