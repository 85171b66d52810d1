/// The exact GELU BERT and ViT use: gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
public enum GELU {
    /// gelu applied to every element.
    public static func forward<Scalar: Real>(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        var y = x
        y.values.withUnsafeMutableBufferPointer { values in
            Parallel.forEachChunk(values.count) { range in
                Scalar.gelu(UnsafeMutableBufferPointer(rebasing: values[range]))
            }
        }
        return y
    }

    /// dL/dx = dL/dy (Phi(x) + x phi(x)).
    public static func backward<Scalar: Real>(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> Matrix<Scalar> {
        var dx = dy
        dx.values.withUnsafeMutableBufferPointer { out in
            x.values.withUnsafeBufferPointer { input in
                Parallel.forEachChunk(out.count) { range in
                    Scalar.geluBackward(UnsafeMutableBufferPointer(rebasing: out[range]),
                                        input: UnsafeBufferPointer(rebasing: input[range]))
                }
            }
        }
        return dx
    }
}
