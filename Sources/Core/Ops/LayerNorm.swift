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

    /// Normalises each row of x, or of x + residual when one is given (the
    /// residual add of a post-LN block, fused into the same pass).
    public func forward(_ x: Matrix<Scalar>, adding residual: Matrix<Scalar>? = nil) -> (Matrix<Scalar>, Cache) {
        let width = x.cols, rows = x.rows
        precondition(width == gamma.count, "layer norm over \(gamma.count) columns, got \(x.shape)")
        precondition(residual.map { $0.rows == rows && $0.cols == width } ?? true, "residual of another shape")
        var inverseStd = [Scalar](repeating: 0, count: rows)
        var y = Matrix<Scalar>(rows: rows, cols: width) { _ in }  // the loop writes all of y and xhat
        let normalized = Matrix<Scalar>(rows: rows, cols: width) { xhat in
            x.values.withUnsafeBufferPointer { input in
            (residual ?? x).values.withUnsafeBufferPointer { added in
            y.values.withUnsafeMutableBufferPointer { out in
            inverseStd.withUnsafeMutableBufferPointer { inverseStd in
                Parallel.forEachChunk(rows, minimumChunk: 64) { range in
                    for row in range {
                        let base = row * width
                        var mean: Scalar = 0
                        for col in 0..<width {
                            let value = residual == nil ? input[base + col] : input[base + col] + added[base + col]
                            xhat[base + col] = value
                            mean += value
                        }
                        mean /= Scalar(width)
                        var variance: Scalar = 0
                        for col in 0..<width {
                            let centred = xhat[base + col] - mean
                            xhat[base + col] = centred
                            variance += centred * centred
                        }
                        let inverse = 1 / (variance / Scalar(width) + epsilon).squareRoot()
                        inverseStd[row] = inverse
                        for col in 0..<width {
                            let value = xhat[base + col] * inverse
                            xhat[base + col] = value
                            out[base + col] = value * gamma[col] + beta[col]
                        }
                    }
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
        return dy.values.withUnsafeBufferPointer { gradient in
        cache.normalized.values.withUnsafeBufferPointer { xhat in
            Matrix(rows: dy.rows, cols: width) { out in
                Parallel.forEachChunk(dy.rows, minimumChunk: 64) { range in
                    for row in range {
                        let base = row * width
                        var sumG: Scalar = 0, sumGX: Scalar = 0
                        for col in 0..<width {
                            let g = gradient[base + col] * gamma[col]
                            sumG += g
                            sumGX += g * xhat[base + col]
                        }
                        let meanG = sumG / Scalar(width), meanGX = sumGX / Scalar(width)
                        let inverse = cache.inverseStd[row]
                        for col in 0..<width {
                            let g = gradient[base + col] * gamma[col]
                            out[base + col] = inverse * (g - meanG - xhat[base + col] * meanGX)
                        }
                    }
                }
            }
        }
        }
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
