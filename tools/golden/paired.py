"""Golden values from scipy.stats for the statistics that judge strategies.

Writes Tests/HostTests/Fixtures/paired_golden.json, which
Tests/HostTests/PairedStatisticsTests.swift matches (Sources/Host/Statistics):

- t_ppf: scipy.stats.t.ppf(p, df) for df = 1..200 at p = 0.975 and for
  nine other p (0.001 ... 0.9995) at thirteen df. p next to 0.5 is left out:
  there scipy's ppf loses digits (df = 4, p = 0.5000001: relative error 4e-4
  against mpmath), while the Swift quantile keeps them.
- binomtest: scipy.stats.binomtest(k, n, 0.5).pvalue (two-sided) for every
  k of n = 1..30 and a few k of n = 50, 100, 200.
- summaries: per-seed values (NaN: a diverged training, written null) with
  the mean, the sample standard deviation (ddof=1) and the Student-t 95%
  interval mean -+ t.ppf(0.975, n-1) * s / sqrt(n) (checked against
  scipy.stats.t.interval where s > 0).
- paired: strategy and baseline values per seed (null: NaN) with, for the
  pairs where both are finite, the differences a - b, their mean, the sign
  test (binomtest of the positive count among the nonzero differences), the
  Wilcoxon signed-rank p-value of scipy.stats.wilcoxon(a, b) with its
  defaults, the method scipy's method="auto" picked for it (checked by
  asking for that method explicitly), and the percentile bootstrap interval
  of the mean difference computed here from the resampling METHOD.md
  section 8 documents (SplitMix64, stream "study.paired-bootstrap").
  Differences that are all zero: scipy gives 1.0 for N <= 13 (nan beyond);
  the Swift test expects undefined there.

Needs only numpy and scipy (the system python3 is enough):
    python3 tools/golden/paired.py
"""
import json
import math
import pathlib
import warnings

import numpy as np
import scipy
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "HostTests" / "Fixtures" / "paired_golden.json"
MASK = (1 << 64) - 1
STREAM = "study.paired-bootstrap"


def fingerprint(text):
    """FNV-1a over the UTF-8 bytes (SeededRandom.fingerprint)."""
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


class SplitMix64:
    """The project's SeededRandom: SplitMix64, seed xor the stream's fingerprint."""

    def __init__(self, seed, stream):
        self.state = (seed ^ fingerprint(stream)) & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def bootstrap(d, resamples, seed, level=0.95):
    """The documented percentile bootstrap of the mean of d."""
    n = len(d)
    rng = SplitMix64(seed, STREAM)
    means = []
    for _ in range(resamples):
        counts = [0] * n
        for _ in range(n):
            counts[(n * rng.next()) >> 64] += 1
        total, weight = 0.0, 0
        for count, value in zip(counts, d):  # seed order, as the Swift sums run
            if count > 0:
                total += float(count) * value
                weight += count
        means.append(total / weight)
    return (float(np.percentile(means, 100 * (1 - level) / 2)),
            float(np.percentile(means, 100 * (1 + level) / 2)))


def scipy_method(d):
    """The method scipy.stats.wilcoxon(method="auto") uses for d (scipy 1.17)."""
    n = len(d)
    nonzero = np.abs(d[d != 0])
    ties_or_zeros = len(np.unique(nonzero)) < len(nonzero) or len(nonzero) < n
    if n > 50:
        return "asymptotic"
    if not ties_or_zeros:
        return "exact"
    return "permutation" if n <= 13 else "asymptotic"


def wilcoxon(a, b):
    """scipy's default two-sided p-value (None for nan) and the method it picked."""
    d = np.asarray(a) - np.asarray(b)
    if len(d) == 0:
        return None, None
    method = scipy_method(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all zero: scipy warns
        p = float(stats.wilcoxon(a, b).pvalue)
        explicit = {"exact": "exact", "asymptotic": "asymptotic", "permutation": stats.PermutationMethod()}[method]
        again = float(stats.wilcoxon(a, b, method=explicit).pvalue)
    assert (math.isnan(p) and math.isnan(again)) or p == again, (p, again, method)
    return (None if math.isnan(p) else p), method


def t_cases():
    out = [{"df": df, "p": 0.975, "value": float(stats.t.ppf(0.975, df))} for df in range(1, 201)]
    for df in [1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100, 200]:
        for p in [0.001, 0.025, 0.6, 0.75, 0.9, 0.95, 0.99, 0.995, 0.9995]:
            out.append({"df": df, "p": p, "value": float(stats.t.ppf(p, df))})
    return out


def binom_cases():
    pairs = [(k, n) for n in range(1, 31) for k in range(n + 1)]
    pairs += [(k, n) for n in (50, 100, 200) for k in (0, 1, n // 5, n // 3, n // 2 - 1, n // 2, n - 7)]
    return [{"k": k, "n": n, "pvalue": float(stats.binomtest(k, n, 0.5).pvalue)} for k, n in pairs]


def summary_inputs(rng):
    nan = float("nan")
    yield "five accuracies", [0.8125, 0.83, 0.79, 0.805, 0.821]
    yield "one value", [0.84]
    yield "two diverged of six", [0.81, nan, 0.79, 0.83, nan, 0.80]
    yield "all diverged", [nan, nan, nan]
    yield "identical values", [0.75, 0.75, 0.75, 0.75]
    yield "two values", [0.5, 0.9]
    yield "k/872 over ten seeds", [k / 872 for k in (712, 718, 705, 721, 716, 709, 714, 720, 711, 717)]
    yield "thirty values", np.round(0.8 + 0.02 * rng.normal(size=30), 6).tolist()


def summary(name, values):
    kept = np.array([v for v in values if not math.isnan(v)])
    n = len(kept)
    entry = {"name": name, "values": [None if math.isnan(v) else v for v in values], "count": n,
             "excluded": len(values) - n, "mean": None, "std": None, "low": None, "high": None}
    if n >= 1:
        entry["mean"] = float(np.mean(kept))
    if n >= 2:
        s = float(np.std(kept, ddof=1))
        half = float(stats.t.ppf(0.975, n - 1)) * s / math.sqrt(n)
        entry.update(std=s, low=entry["mean"] - half, high=entry["mean"] + half)
        if s > 0:
            low, high = stats.t.interval(0.95, n - 1, loc=entry["mean"], scale=stats.sem(kept))
            assert abs(low - entry["low"]) <= 1e-14 and abs(high - entry["high"]) <= 1e-14
    return entry


def paired_inputs(rng):
    nan = float("nan")
    q = 1 / 256  # multiples of 1/256 are exact, so equal differences tie exactly
    yield "one seed", [0.8125], [0.796875]
    yield "two seeds, both worse", [0.75, 0.8], [0.77, 0.81]
    yield "five better, no ties", [0.83, 0.84, 0.815, 0.829, 0.836], [0.81, 0.805, 0.8, 0.812, 0.83]
    yield "six mixed, no ties", [0.8, 0.82, 0.79, 0.83, 0.805, 0.81], [0.79, 0.825, 0.77, 0.8, 0.811, 0.78]
    yield "seven worse, no ties", [0.7, 0.71, 0.69, 0.72, 0.705, 0.715, 0.7], [0.73, 0.72, 0.74, 0.735, 0.7, 0.75, 0.711]
    yield "eight seeds, two diverged", [0.8, nan, 0.82, 0.79, 0.81, 0.83, 0.8, 0.84], \
        [0.79, 0.8, 0.8, 0.8, nan, 0.81, 0.77, 0.82]
    yield "ten with two zeros", [q * v for v in (200, 205, 210, 198, 207, 203, 201, 209, 204, 206)], \
        [q * v for v in (200, 201, 204, 199, 207, 200, 203, 202, 198, 201)]
    # Differences 3, 6, -1, 13, -2, 0, 10, 5, -4, 16, 7 (x 1/1024): one zero, no tied magnitude.
    yield "eleven, one zero", [v / 1024 for v in (823, 829, 815, 838, 818, 820, 831, 825, 812, 841, 826)], \
        [v / 1024 for v in (820, 823, 816, 825, 820, 820, 821, 820, 816, 825, 819)]
    yield "twelve with tied magnitudes", [q * v for v in (210, 208, 205, 211, 206, 209, 204, 212, 207, 203, 210, 208)], \
        [q * v for v in (208, 209, 203, 208, 204, 208, 206, 209, 205, 204, 207, 206)]
    yield "thirteen with ties", [q * v for v in (210, 208, 205, 211, 206, 209, 204, 212, 207, 203, 210, 208, 209)], \
        [q * v for v in (208, 209, 203, 208, 204, 208, 206, 209, 205, 204, 207, 206, 206)]
    yield "fourteen with ties", [q * v for v in (210, 208, 205, 211, 206, 209, 204, 212, 207, 203, 210, 208, 209, 205)], \
        [q * v for v in (208, 209, 203, 208, 204, 208, 206, 209, 205, 204, 207, 206, 206, 201)]
    b = rng.integers(190, 215, size=20)
    a = b + rng.integers(-3, 6, size=20)
    yield "twenty with ties and zeros", (q * a).tolist(), (q * b).tolist()
    b = np.round(0.8 + 0.02 * rng.normal(size=51), 6)
    a = np.round(b + 0.004 + 0.01 * rng.normal(size=51), 6)
    yield "thirty, no ties", a[:30].tolist(), b[:30].tolist()
    yield "fifty, no ties", a[:50].tolist(), b[:50].tolist()
    yield "fifty-one, no ties", a.tolist(), b.tolist()
    yield "k/872 over ten seeds", [k / 872 for k in (712, 718, 705, 721, 716, 709, 714, 720, 711, 717)], \
        [k / 872 for k in (706, 715, 707, 713, 716, 701, 712, 713, 709, 710)]
    yield "all zero", [0.8, 0.81, 0.79, 0.8], [0.8, 0.81, 0.79, 0.8]
    yield "all diverged", [nan, 0.8, nan], [0.8, nan, nan]


def paired(name, a, b, resamples=1000, seed=0):
    keep = [i for i in range(len(a)) if not (math.isnan(a[i]) or math.isnan(b[i]))]
    ka, kb = [a[i] for i in keep], [b[i] for i in keep]
    d = np.asarray(ka) - np.asarray(kb)
    nonzero = d[d != 0]
    p_wilcoxon, method = wilcoxon(ka, kb)
    entry = {
        "name": name,
        "strategy": [None if math.isnan(v) else v for v in a],
        "baseline": [None if math.isnan(v) else v for v in b],
        "differences": d.tolist(), "dropped": len(a) - len(keep),
        "mean_difference": float(np.mean(d)) if len(d) else None,
        "sign_test": float(stats.binomtest(int((nonzero > 0).sum()), len(nonzero), 0.5).pvalue) if len(nonzero) else None,
        "wilcoxon": p_wilcoxon, "wilcoxon_method": method,
        "bootstrap": None,
    }
    if len(d) >= 2:
        low, high = bootstrap(d.tolist(), resamples, seed)
        entry["bootstrap"] = {"resamples": resamples, "seed": seed, "low": low, "high": high}
    return entry


def main():
    rng = np.random.default_rng(20250101)
    document = {
        "scipy": scipy.__version__, "numpy": np.__version__,
        "t_ppf": t_cases(), "binomtest": binom_cases(),
        "summaries": [summary(name, [float(v) for v in values]) for name, values in summary_inputs(rng)],
        "paired": [paired(name, [float(v) for v in a], [float(v) for v in b]) for name, a, b in paired_inputs(rng)],
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    methods = [case["wilcoxon_method"] for case in document["paired"]]
    print(f"wrote {OUT} ({len(document['t_ppf'])} t quantiles, {len(document['binomtest'])} binomial tests, "
          f"{len(document['summaries'])} summaries, {len(document['paired'])} paired cases: "
          f"{ {m: methods.count(m) for m in set(methods)} }; scipy {scipy.__version__})")


if __name__ == "__main__":
    main()
