/// An optional property that JSON always names: `null` when the value is
/// nil, where Swift's synthesized `Codable` would leave the key out.
///
/// A figure that is undefined (a correlation of tied scores, the interval of
/// one seed, a training that diverged) is part of what a command reports,
/// so its key is written with null rather than dropped; a script reading
/// the JSON then tells an undefined figure from a field it misspelled.
/// Reading takes null and a missing key alike as nil.
///
///     struct Row: Codable { @ExplicitNull var spearman: Double? }
///     // {"spearman":null}
@propertyWrapper
public struct ExplicitNull<Value: Codable>: Codable {
    public var wrappedValue: Value?

    /// The property holding `wrappedValue`.
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension ExplicitNull: Equatable where Value: Equatable {}
extension ExplicitNull: Sendable where Value: Sendable {}

extension KeyedDecodingContainer {
    /// Reads an `ExplicitNull` property: a missing key is nil, as null is.
    public func decode<Value>(_ type: ExplicitNull<Value>.Type, forKey key: Key) throws -> ExplicitNull<Value> {
        try decodeIfPresent(type, forKey: key) ?? ExplicitNull(wrappedValue: nil)
    }
}
