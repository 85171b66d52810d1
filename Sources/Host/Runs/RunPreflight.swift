import Core

extension RunConfiguration {
    /// Checks, before a run is created, everything that can be checked
    /// without training: the plugins load, the strategy and metrics named
    /// exist with the right kinds, the strategy's parameters fit its
    /// declarations (a study's strategies too), every metric given
    /// parameters exists and accepts them, a compare run's rows (its
    /// `--metric` sweeps and probe sizes) are valid and distinct, the adapter options parse,
    /// and k is no more than the candidate edges. A run refused here leaves nothing in the store.
    public func preflight() throws {
        _ = try space.adapterOptions()
        let config = try BackboneConfig(contentsOf: try CacheFolder.require(task.model) + "/config.json")
        try search?.check(candidates: space.candidates(nodeCount: config.nodeCount).count)
        let plugins = try self.plugins.load(reportingWarnings: false)
        try self.plugins.checkMetricParameters(against: plugins)
        if let search {
            let strategy = try PluginSources.find(search.strategy, kind: .strategy, in: plugins)
            if let metric = search.metric {
                guard strategy.parameters.contains(where: { $0.name == "metric" }) else {
                    throw RunError.strategyTakesNoMetric(strategy: search.strategy)
                }
                _ = try PluginSources.find(metric, kind: .metric, in: plugins)
            }
            _ = try strategy.configuration(search.strategyConfiguration)
        }
        if let study {
            try study.check()
            for strategy in study.strategies {
                let plugin = try PluginSources.find(strategy.id, kind: .strategy, in: plugins)
                _ = try strategy.kinds
                _ = try plugin.configuration(strategy.pluginConfiguration)
            }
        }
        if let compare {
            let rows = try compare.rows(found: plugins.filter { $0.kind == .metric }.map(\.id))
            try MetricRow.check(rows, plugins: plugins, sources: self.plugins, probeSize: probe.size)
        }
    }
}
