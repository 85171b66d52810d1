/// Layer normalisation over each row: y = (x - mean) / sqrt(var + eps) * gamma + beta.
public struct LayerNorm<Scalar: Real>: Sendable {
    /// Scale per column.
    public var gamma: [Scalar]
    /// Shift per column.
    public var beta: [Scalar]
    /// Added to the variance.
    public var epsilon: Scalar

    /// A layer norm from its parameters.
    public init(gamma: [Scalar], beta: [Scalar], epsilon: Scalar) {
        precondition(gamma.count == beta.count, "gamma and beta differ in length")
        self.gamma = gamma
        self.beta = beta
        self.epsilon = epsilon
    }

    /// What backward needs: the normalised input and each row's 1 / std.
    public struct Cache: Sendable {
        public var normalized: Matrix<Scalar>
        public var inverseStd: [Scalar]
    }

    /// Normalises each row.
    public func forward(_ x: Matrix<Scalar>) -> (Matrix<Scalar>, Cache) {
        let width = x.cols
        precondition(width == gamma.count, "layer norm over \(gamma.count) columns, got \(x.shape)")
        var normalized = x, y = Matrix<Scalar>(rows: x.rows, cols: x.cols) { _ in }  // the loop writes all of y
        var inverseStd = [Scalar](repeating: 0, count: x.rows)
        normalized.values.withUnsafeMutableBufferPointer { xhat in
        y.values.withUnsafeMutableBufferPointer { out in
        inverseStd.withUnsafeMutableBufferPointer { inverseStd in
            Parallel.forEachChunk(x.rows, minimumChunk: 64) { rows in
                for row in rows {
                    let base = row * width
                    var mean: Scalar = 0
                    for col in 0..<width { mean += xhat[base + col] }
                    mean /= Scalar(width)
                    var variance: Scalar = 0
                    for col in 0..<width {
                        let centred = xhat[base + col] - mean
                        variance += centred * centred
                    }
                    let inverse = 1 / (variance / Scalar(width) + epsilon).squareRoot()
                    inverseStd[row] = inverse
                    for col in 0..<width {
                        let value = (xhat[base + col] - mean) * inverse
                        xhat[base + col] = value
                        out[base + col] = value * gamma[col] + beta[col]
                    }
                }
            }
        }
        }
        }
        return (y, Cache(normalized: normalized, inverseStd: inverseStd))
    }

    /// dL/dx = (1/std) (g - mean(g) - xhat mean(g xhat)), with g = dL/dy * gamma.
    public func backward(_ dy: Matrix<Scalar>, _ cache: Cache) -> Matrix<Scalar> {
        let width = dy.cols
        var dx = dy
        dx.values.withUnsafeMutableBufferPointer { out in
        cache.normalized.values.withUnsafeBufferPointer { xhat in
            Parallel.forEachChunk(dy.rows, minimumChunk: 64) { rows in
                for row in rows {
                    let base = row * width
                    var sumG: Scalar = 0, sumGX: Scalar = 0
                    for col in 0..<width {
                        let g = out[base + col] * gamma[col]
                        sumG += g
                        sumGX += g * xhat[base + col]
                    }
                    let meanG = sumG / Scalar(width), meanGX = sumGX / Scalar(width)
                    let inverse = cache.inverseStd[row]
                    for col in 0..<width {
                        let g = out[base + col] * gamma[col]
                        out[base + col] = inverse * (g - meanG - xhat[base + col] * meanGX)
                    }
                }
            }
        }
        }
        return dx
    }

    /// dL/dgamma = sum over rows of dL/dy * xhat, dL/dbeta = sum of dL/dy.
    public func parameterGradients(_ dy: Matrix<Scalar>, _ cache: Cache) -> LayerNorm<Scalar> {
        var dGamma = [Scalar](repeating: 0, count: dy.cols), dBeta = dGamma
        for row in 0..<dy.rows {
            for col in 0..<dy.cols {
                dGamma[col] += dy[row, col] * cache.normalized[row, col]
                dBeta[col] += dy[row, col]
            }
        }
        return LayerNorm(gamma: dGamma, beta: dBeta, epsilon: epsilon)
    }
}
