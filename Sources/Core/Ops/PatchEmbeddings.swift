/// ViT's input embeddings: non-overlapping p x p patches projected to d (a
/// strided convolution, computed as a matrix product), a CLS token in front,
/// and learned position embeddings.
public struct PatchEmbeddings<Scalar: Real>: Sendable {
    /// The projection, d x (channels * p * p), a conv kernel flattened (c, i, j).
    public var projection: Linear<Scalar>
    /// The CLS token, d.
    public var classToken: [Scalar]
    /// (patches + 1) x d.
    public var position: Matrix<Scalar>
    /// p.
    public var patchSize: Int
    /// Input channels.
    public var channels: Int
    /// Input height and width.
    public var imageSize: Int

    /// Embeddings from their parts.
    public init(projection: Linear<Scalar>, classToken: [Scalar], position: Matrix<Scalar>,
                patchSize: Int, channels: Int, imageSize: Int) {
        self.projection = projection
        self.classToken = classToken
        self.position = position
        self.patchSize = patchSize
        self.channels = channels
        self.imageSize = imageSize
    }

    /// The embeddings with `transform` applied to the projection, the CLS token and the position table.
    public func mapped(_ transform: (Scalar) -> Scalar) -> PatchEmbeddings {
        PatchEmbeddings(projection: projection.mapped(transform), classToken: classToken.map(transform),
                        position: Matrix(rows: position.rows, cols: position.cols, values: position.values.map(transform)),
                        patchSize: patchSize, channels: channels, imageSize: imageSize)
    }

    /// Patches per image.
    public var patchCount: Int { (imageSize / patchSize) * (imageSize / patchSize) }

    /// The pixel values one image has: channels x height x width.
    public var pixelsPerImage: Int { channels * imageSize * imageSize }

    /// Rows of patch pixels, (B * patches) x (channels * p * p), from images
    /// laid out B x C x H x W.
    public func patches(_ pixels: [Scalar], count: Int) -> Matrix<Scalar> {
        let p = patchSize, side = imageSize / p, size = imageSize
        var result = Matrix<Scalar>(zeros: count * patchCount, channels * p * p)
        for image in 0..<count {
            for py in 0..<side {
                for px in 0..<side {
                    let row = image * patchCount + py * side + px
                    for c in 0..<channels {
                        for i in 0..<p {
                            for j in 0..<p {
                                result[row, (c * p + i) * p + j] =
                                    pixels[((image * channels + c) * size + py * p + i) * size + px * p + j]
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// [CLS; patches W^T + b] + position, (B * (patches + 1)) x d.
    public func forward(_ pixels: [Scalar], count: Int) -> Matrix<Scalar> {
        precondition(pixels.count == count * pixelsPerImage, "\(pixels.count) pixels for \(count) images of \(pixelsPerImage)")
        let projected = projection.forward(patches(pixels, count: count))
        let width = projection.outputWidth, length = patchCount + 1
        var result = Matrix<Scalar>(zeros: count * length, width)
        for image in 0..<count {
            for step in 0..<length {
                for col in 0..<width {
                    let token = step == 0 ? classToken[col] : projected[image * patchCount + step - 1, col]
                    result[image * length + step, col] = token + position[step, col]
                }
            }
        }
        return result
    }
}
