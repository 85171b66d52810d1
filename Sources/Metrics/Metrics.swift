import CAdapterSearch
import PluginSDK

/// The built-in metrics (METHOD.md section 5), exported from one library.
@_cdecl("asp_plugin_entry")
public func aspPluginEntry(_ hostABIVersion: UInt32) -> UnsafePointer<asp_library>? {
    PluginLibrary.entry(hostABIVersion, exporting: [
        GradientRank.self, GradientNorm.self, Snip.self, NuclearNorm.self,
        StableRank.self, EffectiveRank.self, Fisher.self, Synflow.self, RankEnsemble.self,
    ])
}
