import PluginSDK

/// The floor every placement is measured against: no adapter at all, only
/// the classification head trained on the frozen backbone's output (a
/// linear probe). k is ignored.
final class NoAdapters: Strategy {
    static let info = PluginInfo(id: "none", name: "No adapters (linear probe)", version: "1.0.0",
                                 summary: "The head alone on the frozen backbone: the empty placement; ignores k.")

    init(configuration: Configuration) throws {}

    func select(k: Int, host: PluginHost) throws -> [Edge] { [] }
}
