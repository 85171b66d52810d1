"""example_strategy.py — an AdapterSearch strategy in Python.

A teaching example for the Python bridge (README, "In Python"): a strategy
is a subclass of `adapter_search.Strategy` declared with
`@adapter_search.strategy`; `select(self, k)` returns the chosen edges as
(i, j) pairs, and the host's services are methods of the class: the
candidate edges, a metric's scores, training placements (`evaluate`), the
seeded random stream (`random_index`, `sample`), state that survives a crash
(`save_json`, `load_json`) and the log. An exception becomes the call's
error, with its traceback.

Try:  adapter-search plugins inspect plugins/examples/example_strategy.py
      adapter-search search --plugin plugins/examples/example_strategy.py \
          --strategy example.py-best-of-pool --metric gradient-norm --k 3 ...

The strategy "example.py-best-of-pool":

  1. score the candidates with `metric` (higher is better after orienting)
     and keep the best `pool` of them (equal scores: the host's order);
  2. draw `tries` placements of m = min(k, pool) edges from the pool: the
     first is the m best, each other a uniform sample from the seeded
     stream (so a run repeats exactly); repeats are dropped;
  3. train them all in one batch and return the one with the best
     validation accuracy (a diverged one ranks last; ties: the earlier).

The drawn placements are saved as the strategy's state before training, so
a resumed run trains the same ones (the host answers those already trained
from its store).
"""

import adapter_search
from adapter_search import Parameter


@adapter_search.strategy(
    id="example.py-best-of-pool",
    name="Best of a scored pool (Python example)",
    version="1.0.0",
    description="Trains the top-k of a metric's best `pool` edges and `tries` - 1 seeded samples of them; keeps the best.",
    parameters=[
        Parameter("metric", str, "gradient-norm", help="id of the metric whose scores make the pool"),
        Parameter("pool", int, 6, minimum=1, help="how many of the best-scored edges to sample from"),
        Parameter("tries", int, 3, minimum=1, maximum=64, help="placements to train, the top-k first"),
    ],
)
class BestOfPool(adapter_search.Strategy):
    def __init__(self):
        if not self.params["metric"]:
            raise adapter_search.InvalidArgument("the metric parameter is empty: name a metric plugin, e.g. gradient-norm")

    def select(self, k):
        state = self.load_json()
        if state is not None:
            placements = [[tuple(edge) for edge in placement] for placement in state["placements"]]
            self.log(f"resuming with {len(placements)} placements drawn before")
        else:
            placements = self.draw(k)
            self.save_json({"placements": placements})
        results = self.evaluate(placements)
        best = max(range(len(placements)), key=lambda index: (results[index].ranking_accuracy, -index))
        self.log(f"best of {len(placements)}: {placements[best]} at accuracy {results[best].accuracy:.4f}")
        return placements[best]

    def draw(self, k):
        candidates = self.candidate_edges()
        scores = self.oriented_scores(self.params["metric"], candidates)
        order = sorted(range(len(candidates)), key=lambda index: (-scores[index], index))
        pool = [candidates[index] for index in order[: self.params["pool"]]]
        size = min(k, len(pool))
        placements = [pool[:size]]
        for _ in range(self.params["tries"] - 1):
            placement = self.sample(size, pool)
            if sorted(placement) not in [sorted(known) for known in placements]:
                placements.append(placement)
        return placements
