/// The exact GELU BERT and ViT use: gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
public enum GELU {
    /// gelu applied to every element.
    public static func forward<Scalar: Real>(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        x.values.withUnsafeBufferPointer { input in
            Matrix(rows: x.rows, cols: x.cols) { output in
                Parallel.forEachChunk(input.count) { range in
                    Scalar.gelu(UnsafeBufferPointer(rebasing: input[range]),
                                into: UnsafeMutableBufferPointer(rebasing: output[range]))
                }
            }
        }
    }

    /// dL/dx = dL/dy (Phi(x) + x phi(x)).
    public static func backward<Scalar: Real>(_ dy: Matrix<Scalar>, input x: Matrix<Scalar>) -> Matrix<Scalar> {
        dy.values.withUnsafeBufferPointer { gradient in
            x.values.withUnsafeBufferPointer { input in
                Matrix(rows: dy.rows, cols: dy.cols) { output in
                    Parallel.forEachChunk(gradient.count) { range in
                        Scalar.geluBackward(UnsafeBufferPointer(rebasing: gradient[range]),
                                            input: UnsafeBufferPointer(rebasing: input[range]),
                                            into: UnsafeMutableBufferPointer(rebasing: output[range]))
                    }
                }
            }
        }
    }
}
