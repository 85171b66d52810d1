//! An AdapterSearch strategy plugin in Rust, built with the kit in
//! `plugins/rust/adapter-search-plugin`. `adapter-search plugins new --lang
//! rust --kind strategy ID DIR` writes this file into a crate of its own with
//! the id replaced.
//!
//! The strategy "example.rust.target-capped" is greedy by a metric's scores
//! (the host's `asp.search/1` scores service, oriented so that higher is
//! better) but takes at most `per-target` edges into any one node, so a
//! placement does not pile every adapter onto the node the metric likes
//! best. When the cap leaves fewer than k edges it returns what it found.
//! Deterministic: ties go to the host's candidate order. Replace `select`
//! with your heuristic: the host also offers evaluations
//! (`host.search()?.evaluate`), a seeded random stream
//! (`host.random_below`) and checkpoints.
//!
//! Build (as `plugins new` prints it; Debian's cargo and rustc, offline):
//!
//! ```text
//! RUSTC=/usr/bin/rustc cargo build --release --offline --manifest-path DIR/Cargo.toml
//! ```

use adapter_search_plugin::{export_plugins, Config, Edge, Host, Param, PluginInfo, Result, Strategy};

/// One instance of the strategy: the metric it follows and the cap.
pub struct TargetCapped {
    /// The id of the metric whose scores guide the choice.
    metric: String,
    /// The most edges into one node.
    per_target: usize,
}

impl Strategy for TargetCapped {
    fn info() -> PluginInfo {
        PluginInfo {
            id: "example.rust.target-capped",
            name: "Target-capped greedy (Rust example)",
            version: "1.0.0",
            description: "Greedy by a metric's scores, at most `per-target` edges into any one node.",
            params: vec![
                Param::string("metric", "gradient-rank", "id of the metric whose scores guide the choice"),
                Param::int("per-target", 1, "the most chosen edges into one node").range(1.0, 64.0),
            ],
        }
    }

    fn create(config: &Config, _host: &Host) -> Result<Self> {
        Ok(TargetCapped {
            metric: config.string("metric")?.to_string(),
            per_target: config.int("per-target")? as usize,
        })
    }

    fn select(&mut self, host: &Host, k: u32) -> Result<Vec<Edge>> {
        let candidates = host.candidate_edges()?;
        let (scores, direction) = host.search()?.scores(&self.metric, &candidates)?;
        let sign = direction.code() as f64;
        // Best first; among equal scores, the host's order (a stable sort).
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| (sign * scores[b]).partial_cmp(&(sign * scores[a])).unwrap_or(std::cmp::Ordering::Equal));
        let mut into = vec![0usize; host.node_count()? as usize];
        let mut chosen = Vec::new();
        for index in order {
            let edge = candidates[index];
            let target = edge.target as usize;
            if chosen.len() == k as usize {
                break;
            }
            if into[target] < self.per_target {
                into[target] += 1;
                chosen.push(edge);
            }
        }
        Ok(chosen)
    }
}

export_plugins!(strategy TargetCapped);
