"""Golden rank correlations from scipy.stats for the compare statistics.

Writes Tests/HostTests/Fixtures/correlations_golden.json: fixed input pairs
(x, y) with ties, each with scipy.stats.spearmanr's rho and
scipy.stats.kendalltau's tau-b (variant="b", the default). An undefined
statistic (constant input: scipy returns nan) is written as null. The Swift
implementation (Sources/Host/Compare) must match every value to 1e-12.

Needs only numpy and scipy (the system python3 is enough):
    python3 tools/golden/correlations.py
"""
import json
import math
import pathlib
import warnings

import numpy as np
import scipy
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "HostTests" / "Fixtures" / "correlations_golden.json"


def cases():
    """Named (x, y) pairs: plain Python floats, so JSON holds them exactly."""
    rng = np.random.default_rng(20240607)
    yield "heavy ties in both", [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5], [2, 1, 2, 2, 3, 3, 3, 5, 4, 4, 5, 5]
    yield "x all tied", [3] * 8, [0.1, 0.5, 0.2, 0.9, 0.3, 0.3, 0.7, 0.6]
    yield "y all tied", [5, 1, 4, 2, 3, 3], [0.25] * 6
    yield "negative with ties", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [9, 9, 8, 7, 7, 7, 4, 3, 3, 1]
    yield "perfect with ties", [1, 1, 2, 3, 3, 4], [10, 10, 20, 30, 30, 40]
    yield "two values", [0.0, 1.0], [2.0, -3.0]
    yield "binary x", [0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0], [0.5, 0.75, 0.625, 0.875, 0.5, 0.375, 0.5, 0.75, 0.75, 1.0, 0.25]
    # 169 edges (13 nodes) scored by gradient-rank (integers 0..8) against
    # accuracies that are multiples of 1/64, so ties occur in both.
    ranks = rng.integers(0, 9, size=169)
    accuracy = np.clip(0.5 + 0.03 * ranks + rng.normal(0, 0.08, size=169), 0, 1)
    yield "gradient-rank n=169", ranks.tolist(), (np.round(accuracy * 64) / 64).tolist()
    # The same scores, sign flipped (a lower-is-better view): signs as measured.
    yield "gradient-rank n=169 negated", (-ranks).tolist(), (np.round(accuracy * 64) / 64).tolist()
    # Continuous, no ties, weak correlation, n=40.
    x = rng.normal(size=40)
    yield "continuous n=40", x.tolist(), (0.3 * x + rng.normal(size=40)).tolist()
    # Large magnitudes and tiny differences: ranks only depend on order.
    yield "magnitudes", [1e9, 1e9 + 1, 1e-9, 2e-9, -1e300, 0.0, 1e9], [1, 2, 3, 3, 4, 5, 2]


def value(statistic):
    """A JSON value: the float, or None where scipy returns nan."""
    statistic = float(statistic)
    return None if math.isnan(statistic) else statistic


def main():
    out = []
    for name, x, y in cases():
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input: scipy warns and returns nan
            rho = stats.spearmanr(x, y).statistic
            tau = stats.kendalltau(x, y, variant="b").statistic
        out.append({"name": name, "x": x, "y": y, "spearman": value(rho), "kendall_tau_b": value(tau)})
    document = {"scipy": scipy.__version__, "numpy": np.__version__, "cases": out}
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT} ({len(out)} cases, scipy {scipy.__version__})")


if __name__ == "__main__":
    main()
