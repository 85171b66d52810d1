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
    /// `values` above `relativeTolerance * sigma_max`, without an SVD.
    ///
    /// A singular value sigma exceeds t exactly when the eigenvalue sigma^2 of
    /// the Gram matrix A^T A exceeds t^2, so the count is the positive inertia
    /// of A^T A - t^2 I: the positive pivots of its symmetric indefinite
    /// (Bunch-Kaufman) factorisation (Sylvester's law of inertia). Everything
    /// is float64; sigma_max^2 comes from power iteration on A^T A.
    ///
    /// Forming A^T A perturbs its eigenvalues by about
    /// `cols * eps(float64) * sigma_max^2`. Where that is more than a
    /// thousandth of the threshold t^2 (a tiny `relativeTolerance`), the Gram
    /// matrix cannot resolve the threshold and the exact SVD counts instead;
    /// so does a power iteration that does not settle. For MiniLM's default
    /// rule (d = 384, rtol = d * eps(float32)) the perturbation is 2e-5 of
    /// t^2: the count is exact unless a singular value lies within about
    /// 1e-5 (relative) of the threshold.
    public static func rank(rows: Int, cols: Int, values: UnsafeBufferPointer<Float>, relativeTolerance: Double) throws -> Int {
        precondition(values.count == rows * cols, "matrix of \(rows) x \(cols) needs \(rows * cols) values")
        guard rows > 0, cols > 0 else { return 0 }
        let gramResolves = Double(cols) * Double.ulpOfOne <= 1e-3 * relativeTolerance * relativeTolerance
        guard gramResolves, let gram = gram(rows: rows, cols: cols, values: values),
              let largest = largestEigenvalue(symmetricLower: gram, n: cols) else {
            return rank(singularValues: try singularValues(rows: rows, cols: cols, values: values), relativeTolerance: relativeTolerance)
        }
        guard largest > 0 else { return 0 }
        let threshold = relativeTolerance * largest.squareRoot()
        return try eigenvaluesAbove(threshold * threshold, symmetricLower: gram, n: cols)
    }

    /// A^T A in float64 for the row-major `rows x cols` A, its lower triangle
    /// filled (row-major), or nil for a matrix with no columns.
    static func gram(rows: Int, cols: Int, values: UnsafeBufferPointer<Float>) -> [Double]? {
        guard cols > 0 else { return nil }
        let a = values.map(Double.init)
        var gram = [Double](repeating: 0, count: cols * cols)
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(cols), Int32(rows), 1, a, Int32(cols), 0, &gram, Int32(cols))
        return gram
    }

    /// The largest eigenvalue of a positive semi-definite matrix (lower
    /// triangle stored, row-major) by power iteration, or nil if it does not
    /// settle to 1e-10 relative within 500 steps.
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

    /// How many eigenvalues of the symmetric `n x n` matrix (lower triangle
    /// stored, row-major) exceed `shift`: the positive inertia of the
    /// Bunch-Kaufman factorisation L D L^T of the matrix minus `shift` I.
    public static func eigenvaluesAbove(_ shift: Double, symmetricLower matrix: [Double], n: Int) throws -> Int {
        var shifted = matrix
        for index in 0..<n { shifted[index * n + index] -= shift }
        var pivots = [Int32](repeating: 0, count: n)
        // The row-major lower triangle is the column-major upper triangle of
        // the same memory: factor it in place, without LAPACKE's transposes.
        let info = LAPACKE_dsytrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), &shifted, Int32(n), &pivots)
        guard info >= 0 else { throw Failure(description: "LAPACKE_dsytrf failed with info \(info)") }
        // D is block diagonal: a 1 x 1 block where pivots[k] > 0; a 2 x 2
        // block where pivots[k] == pivots[k - 1] < 0 (the upper factorisation
        // runs from the last column), with one eigenvalue of each sign when
        // its determinant is negative and two of its diagonal's sign otherwise.
        // Column-major (r, c) is shifted[c * n + r].
        var positive = 0, k = n - 1
        while k >= 0 {
            let d = shifted[k * n + k]
            if pivots[k] > 0 || k == 0 {
                if d > 0 { positive += 1 }
                k -= 1
            } else {
                let a = shifted[(k - 1) * n + k - 1], b = shifted[k * n + k - 1]
                let determinant = a * d - b * b
                positive += determinant < 0 ? 1 : (d > 0 ? 2 : 0)
                k -= 2
            }
        }
        return positive
    }
}
