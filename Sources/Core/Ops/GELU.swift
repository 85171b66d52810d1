/// The exact GELU BERT and ViT use: gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
public enum GELU {
    /// gelu applied to every element.
    public static func forward<Scalar: Real>(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        var y = x
        y.values.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let v = values[index]
                values[index] = v * cdf(v)
            }
        }
        return y
    }

    /// dL/dx = dL/dy (Phi(x) + x phi(x)).
    public static func backward<Scalar: Real>(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> Matrix<Scalar> {
        var dx = dy
        dx.values.withUnsafeMutableBufferPointer { out in
            x.values.withUnsafeBufferPointer { input in
                for index in out.indices {
                    let v = input[index]
                    out[index] *= cdf(v) + v * density(v)
                }
            }
        }
        return dx
    }

    /// Phi(x), the standard normal CDF.
    @inlinable
    static func cdf<Scalar: Real>(_ x: Scalar) -> Scalar {
        (1 + Scalar.erf(x * Scalar(0.70710678118654752440084436210484903928))) / 2
    }

    /// phi(x), the standard normal density.
    @inlinable
    static func density<Scalar: Real>(_ x: Scalar) -> Scalar {
        Scalar.exp(-x * x / 2) * Scalar(0.39894228040143267793994605993438186848)
    }
}
