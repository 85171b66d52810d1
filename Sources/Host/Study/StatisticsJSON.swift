// The study's statistics as JSON: every key written, an undefined figure an
// explicit null, as `BootstrapEstimate` writes itself.

extension SeedSummary: Codable {
    private enum CodingKeys: String, CodingKey {
        case count, excluded, mean, standardDeviation = "standard_deviation", low, high, level
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(excluded, forKey: .excluded)
        try container.encode(mean, forKey: .mean)
        try container.encode(standardDeviation, forKey: .standardDeviation)
        try container.encode(low, forKey: .low)
        try container.encode(high, forKey: .high)
        try container.encode(level, forKey: .level)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init([], level: try container.decode(Double.self, forKey: .level))
        count = try container.decode(Int.self, forKey: .count)
        excluded = try container.decode(Int.self, forKey: .excluded)
        mean = try container.decodeIfPresent(Double.self, forKey: .mean)
        standardDeviation = try container.decodeIfPresent(Double.self, forKey: .standardDeviation)
        low = try container.decodeIfPresent(Double.self, forKey: .low)
        high = try container.decodeIfPresent(Double.self, forKey: .high)
    }
}

extension TestOutcome.Method: Codable {}
extension TestOutcome.Undefined: Codable {}

extension TestOutcome: Codable {
    private enum CodingKeys: String, CodingKey { case pValue = "p_value", method, undefined }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pValue, forKey: .pValue)
        try container.encode(method, forKey: .method)
        try container.encode(undefined, forKey: .undefined)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let pValue = try container.decodeIfPresent(Double.self, forKey: .pValue),
           let method = try container.decodeIfPresent(Method.self, forKey: .method) {
            self = .defined(pValue: pValue, method: method)
        } else {
            self = .undefined(try container.decodeIfPresent(Undefined.self, forKey: .undefined) ?? .noPairs)
        }
    }
}

extension PairedComparison: Codable {
    private enum CodingKeys: String, CodingKey {
        case differences, droppedPairs = "dropped_pairs", meanDifference = "mean_difference", signTest = "sign_test", wilcoxon
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(differences, forKey: .differences)
        try container.encode(droppedPairs, forKey: .droppedPairs)
        try container.encode(meanDifference, forKey: .meanDifference)
        try container.encode(signTest, forKey: .signTest)
        try container.encode(wilcoxon, forKey: .wilcoxon)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(strategy: [], baseline: [])
        differences = try container.decode([Double].self, forKey: .differences)
        droppedPairs = try container.decode(Int.self, forKey: .droppedPairs)
        meanDifference = try container.decodeIfPresent(BootstrapEstimate.self, forKey: .meanDifference)
        signTest = try container.decode(TestOutcome.self, forKey: .signTest)
        wilcoxon = try container.decode(TestOutcome.self, forKey: .wilcoxon)
    }
}
