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

    /// The norm with `transform` applied to gamma and beta (epsilon is kept).
    public func mapped(_ transform: (Scalar) -> Scalar) -> LayerNorm {
        LayerNorm(gamma: gamma.map(transform), beta: beta.map(transform), epsilon: epsilon)
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
        var y = Matrix<Scalar>(rows: rows, cols: width) { _ in }  // the kernel writes all of y and xhat
        let normalized = Matrix<Scalar>(rows: rows, cols: width) { xhat in
            x.values.withUnsafeBufferPointer { input in
            (residual ?? x).values.withUnsafeBufferPointer { added in
            y.values.withUnsafeMutableBufferPointer { out in
            inverseStd.withUnsafeMutableBufferPointer { inverseStd in
                Parallel.forEachChunk(rows, minimumChunk: 64) { range in
                    forwardRows(range, x: input.baseAddress!, adding: residual == nil ? nil : added.baseAddress!,
                                y: out.baseAddress!, normalized: xhat.baseAddress!, inverseStd: inverseStd.baseAddress!)
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
        precondition(dy.cols == gamma.count, "layer norm over \(gamma.count) columns, got a gradient of \(dy.shape)")
        return dy.values.withUnsafeBufferPointer { gradient in
        cache.normalized.values.withUnsafeBufferPointer { xhat in
        cache.inverseStd.withUnsafeBufferPointer { inverseStd in
            Matrix(rows: dy.rows, cols: dy.cols) { out in
                Parallel.forEachChunk(dy.rows, minimumChunk: 64) { range in
                    backwardRows(range, dy: gradient.baseAddress!, normalized: xhat.baseAddress!,
                                 inverseStd: inverseStd.baseAddress!, dx: out.baseAddress!)
                }
            }
        }
        }
        }
    }

    /// The forward of rows `rows` on raw storage (row stride = the width):
    /// normalises x (+ residual) into those rows of y and normalized and
    /// their entries of inverseStd. What fused callers run on one thread's
    /// block of rows.
    public func forwardRows(_ rows: Range<Int>, x: UnsafePointer<Scalar>, adding residual: UnsafePointer<Scalar>?,
                            y: UnsafeMutablePointer<Scalar>, normalized: UnsafeMutablePointer<Scalar>,
                            inverseStd: UnsafeMutablePointer<Scalar>) {
        let width = gamma.count, start = rows.lowerBound * width, count = rows.count * width
        gamma.withUnsafeBufferPointer { gamma in
        beta.withUnsafeBufferPointer { beta in
            Scalar.layerNormRows(LayerNormRows(
                x: UnsafeBufferPointer(start: x + start, count: count),
                residual: residual.map { UnsafeBufferPointer(start: $0 + start, count: count) },
                rows: rows.count, width: width, gamma: gamma, beta: beta, epsilon: epsilon,
                normalized: UnsafeMutableBufferPointer(start: normalized + start, count: count),
                y: UnsafeMutableBufferPointer(start: y + start, count: count),
                inverseStd: UnsafeMutableBufferPointer(start: inverseStd + rows.lowerBound, count: rows.count)))
        }
        }
    }

    /// The backward of rows `rows` on raw storage: those rows of dx from
    /// dy and the cache's normalized rows and inverse deviations.
    public func backwardRows(_ rows: Range<Int>, dy: UnsafePointer<Scalar>, normalized: UnsafePointer<Scalar>,
                             inverseStd: UnsafePointer<Scalar>, dx: UnsafeMutablePointer<Scalar>) {
        let width = gamma.count, start = rows.lowerBound * width, count = rows.count * width
        gamma.withUnsafeBufferPointer { gamma in
            Scalar.layerNormBackwardRows(LayerNormBackwardRows(
                dy: UnsafeBufferPointer(start: dy + start, count: count),
                normalized: UnsafeBufferPointer(start: normalized + start, count: count),
                inverseStd: UnsafeBufferPointer(start: inverseStd + rows.lowerBound, count: rows.count), gamma: gamma,
                rows: rows.count, width: width, dx: UnsafeMutableBufferPointer(start: dx + start, count: count)))
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

/// The arguments of a layer-norm forward over whole rows.
public struct LayerNormRows<Scalar: Real> {
    public var x: UnsafeBufferPointer<Scalar>
    public var residual: UnsafeBufferPointer<Scalar>?
    public var rows: Int
    public var width: Int
    public var gamma: UnsafeBufferPointer<Scalar>
    public var beta: UnsafeBufferPointer<Scalar>
    public var epsilon: Scalar
    public var normalized: UnsafeMutableBufferPointer<Scalar>
    public var y: UnsafeMutableBufferPointer<Scalar>
    public var inverseStd: UnsafeMutableBufferPointer<Scalar>
}

/// The arguments of a layer-norm backward over whole rows.
public struct LayerNormBackwardRows<Scalar: Real> {
    public var dy: UnsafeBufferPointer<Scalar>
    public var normalized: UnsafeBufferPointer<Scalar>
    public var inverseStd: UnsafeBufferPointer<Scalar>
    public var gamma: UnsafeBufferPointer<Scalar>
    public var rows: Int
    public var width: Int
    public var dx: UnsafeMutableBufferPointer<Scalar>
}

extension Real {
    /// The layer norm of whole rows, in plain Swift: Double's kernel.
    @inlinable
    static func exactLayerNormRows(_ r: LayerNormRows<Self>) {
        for row in 0..<r.rows {
            let base = row * r.width
            var mean: Self = 0
            for col in 0..<r.width {
                let value = r.x[base + col] + (r.residual?[base + col] ?? 0)
                r.normalized[base + col] = value
                mean += value
            }
            mean /= Self(r.width)
            var variance: Self = 0
            for col in 0..<r.width {
                let centred = r.normalized[base + col] - mean
                r.normalized[base + col] = centred
                variance += centred * centred
            }
            let inverse = 1 / (variance / Self(r.width) + r.epsilon).squareRoot()
            r.inverseStd[row] = inverse
            for col in 0..<r.width {
                let value = r.normalized[base + col] * inverse
                r.normalized[base + col] = value
                r.y[base + col] = value * r.gamma[col] + r.beta[col]
            }
        }
    }

    /// The layer-norm backward of whole rows, in plain Swift: Double's kernel.
    @inlinable
    static func exactLayerNormBackwardRows(_ r: LayerNormBackwardRows<Self>) {
        for row in 0..<r.rows {
            let base = row * r.width
            var sumG: Self = 0, sumGX: Self = 0
            for col in 0..<r.width {
                let g = r.dy[base + col] * r.gamma[col]
                sumG += g
                sumGX += g * r.normalized[base + col]
            }
            let meanG = sumG / Self(r.width), meanGX = sumGX / Self(r.width)
            for col in 0..<r.width {
                r.dx[base + col] = r.inverseStd[row] * (r.dy[base + col] * r.gamma[col] - meanG - r.normalized[base + col] * meanGX)
            }
        }
    }
}
