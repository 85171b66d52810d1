"""example_metric.py — AdapterSearch metrics in Python, with NumPy.

A teaching example for the Python bridge (README, "In Python"): a plugin
script imports `adapter_search` (built into the bridge, nothing to install)
and declares metrics with `@adapter_search.metric`. A metric is a function
called once per edge; its arguments are named after what it needs:

    gradient         G_ij = H_i^T D_j, a read-only d x d float32 array over
                     the host's memory, lent for the call (keep a copy, not it)
    singular_values  the singular values of G_ij, descending (float64); the
                     host computes them only for a metric that asks
    d, n             the hidden width and the probe's real tokens N
    i, j             the edge's source and target nodes
    params           every declared parameter, by name
    a parameter      the value of a declared parameter (here `exponent`, `rank`)

Try:  adapter-search plugins inspect plugins/examples/example_metric.py
      adapter-search score --plugin plugins/examples/example_metric.py \
          --metric example.py-gradient-norm --metric gradient-norm ...

"example.py-gradient-norm" is ||G_ij||_F ^ exponent, summed in float64: at
the default exponent 1 it is the built-in gradient-norm, and it is the
metric `bench score` times against its C twin, example_gradient_norm.c.
"example.py-spectral-share" is the share of G_ij's energy that its top
`rank` singular directions hold, sum_{k<rank} s_k^2 / sum_k s_k^2.
"""

import math

import numpy as np

import adapter_search
from adapter_search import Parameter


@adapter_search.metric(
    id="example.py-gradient-norm",
    name="Gradient norm (Python example)",
    version="1.0.0",
    description="||G_ij||_F ^ exponent with NumPy, summed in float64; at exponent 1 the built-in gradient-norm.",
    parameters=[Parameter("exponent", float, 1.0, minimum=0.25, maximum=4.0, help="the power of the norm")],
)
def gradient_norm(gradient, exponent):
    g = gradient.astype(np.float64).ravel()  # a float64 copy: the products are exact
    norm = math.sqrt(g @ g)
    return norm if exponent == 1.0 else norm ** exponent


# plugins new: omit from here (a second metric; a new project starts with one)
@adapter_search.metric(
    id="example.py-spectral-share",
    name="Spectral share (Python example)",
    version="1.0.0",
    description="The share of ||G_ij||_F^2 in its top `rank` singular values (0 for a zero gradient).",
    parameters=[Parameter("rank", int, 4, minimum=1, help="how many singular values count")],
)
def spectral_share(singular_values, rank):
    energy = singular_values * singular_values
    total = float(energy.sum())
    return float(energy[:rank].sum()) / total if total > 0 else 0.0
# plugins new: omit to here
