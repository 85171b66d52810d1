/// Small float64 reductions over host matrices that several metrics share.
extension MatrixView {
    /// The sum of squared entries, accumulated in float64.
    public var squaredFrobeniusNorm: Double {
        values.reduce(0) { $0 + Double($1) * Double($1) }
    }
}
