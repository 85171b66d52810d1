"""The initial coefficients of the `:rational` adapter activation.

Fits the safe Padé activation unit (Molina et al., "Padé Activation Units",
version A of their rational_activations library) of degrees (5, 4),

    phi(x) = (a0 + a1 x + ... + a5 x^5) / (1 + |b1 x| + |b2 x^2| + |b3 x^3| + |b4 x^4|),

to the exact GELU x (1 + erf(x / sqrt 2)) / 2 by least squares on 8001
equally spaced points of [-4, 4], and prints the coefficients as the Swift
constants of Sources/Core/Ops/RationalActivation.swift (`geluFit`) with the
maximum absolute error, on the fitting grid and on a 100 times finer one.

Each |b_k| is held at or above FLOOR = 1e-3:
- a b_k at exactly 0 never trains: d|b_k x^k|/db_k = sign(b_k) |x|^k, and the
  sign of 0 is 0 (as in PyTorch), so its gradient is 0 at every input. The
  unconstrained least-squares fit puts b1 and b4 there (b1 != 0 puts a kink
  at 0 that GELU has not; b4 barely matters inside [-4, 4]).
- b4 > 0 makes phi grow linearly, not like a5 x^2 / b3, beyond the interval.
The bound costs some accuracy; the script prints the unconstrained fit's
error too, for comparison.

The fit: a linear least-squares start (P(x) - gelu(x) (Q(x) - 1) = gelu(x),
linear in a and |b|, with |b| >= FLOOR), then scipy's bounded nonlinear least
squares from it and from 11 seeded perturbations of it; the smallest sum of
squares wins. Needs only numpy and scipy (the system python3 is enough):

    python3 tools/golden/rational_gelu.py
"""
import numpy as np
from scipy import optimize, special

LOWER, UPPER, POINTS = -4.0, 4.0, 8001
FLOOR = 1e-3
STARTS = 12


def gelu(x):
    return x * 0.5 * (1 + special.erf(x / np.sqrt(2)))


def powers(x):
    return np.stack([x**j for j in range(6)], 1)


def phi(coefficients, x):
    a, b = coefficients[:6], coefficients[6:]
    xs = powers(x)
    return (xs @ a) / (1 + np.abs(xs[:, 1:5] * b).sum(1))


def fit(floor):
    """Coefficients (a0..a5, b1..b4, every b_k >= floor) minimising the squared error on the grid."""
    x = np.linspace(LOWER, UPPER, POINTS)
    target = gelu(x)
    xs = powers(x)
    magnitudes = np.abs(xs[:, 1:5])

    def residuals(p):
        return (xs @ p[:6]) / (1 + magnitudes @ p[6:]) - target

    def jacobian(p):
        numerator, denominator = xs @ p[:6], 1 + magnitudes @ p[6:]
        return np.hstack([xs / denominator[:, None], -(numerator / denominator**2)[:, None] * magnitudes])

    lower = np.array([-np.inf] * 6 + [floor] * 4)
    linear = optimize.lsq_linear(np.column_stack([xs, -target[:, None] * magnitudes]), target,
                                 bounds=(lower, np.full(10, np.inf))).x
    random = np.random.default_rng(0)
    best = None
    for start in range(STARTS):
        initial = linear if start == 0 else linear * (1 + random.normal(0, 0.5, 10))
        initial = np.maximum(initial, lower)
        initial[6:] = np.maximum(initial[6:], floor * 1.0001)  # strictly inside the bounds
        result = optimize.least_squares(residuals, initial, jac=jacobian, bounds=(lower, np.inf), method="trf",
                                        xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=3000)
        if best is None or result.cost < best.cost:
            best = result
    return best.x


def errors(coefficients):
    """(maximum absolute error on the fitting grid, on a 100x finer grid, where the finer maximum is)."""
    grid = np.linspace(LOWER, UPPER, POINTS)
    fine = np.linspace(LOWER, UPPER, (POINTS - 1) * 100 + 1)
    fine_errors = np.abs(phi(coefficients, fine) - gelu(fine))
    return np.abs(phi(coefficients, grid) - gelu(grid)).max(), fine_errors.max(), fine[fine_errors.argmax()]


def main():
    unconstrained = fit(0.0)
    coefficients = fit(FLOOR)
    grid_error, fine_error, where = errors(coefficients)
    print(f"unconstrained fit (b may be 0): max error {errors(unconstrained)[1]:.3e}, b = {unconstrained[6:]}")
    print(f"fit with |b_k| >= {FLOOR}: max error {grid_error:.6e} on the grid, {fine_error:.6e} on the finer grid (at x = {where:.4f})")
    grid = np.linspace(LOWER, UPPER, POINTS)
    print(f"root mean square error {np.sqrt(np.mean((phi(coefficients, grid) - gelu(grid))**2)):.3e}")
    print(f"phi(-10) = {phi(coefficients, np.array([-10.0]))[0]:.4f}, phi(10) = {phi(coefficients, np.array([10.0]))[0]:.4f}")
    print()
    print("numerator: [" + ", ".join(repr(float(v)) for v in coefficients[:6]) + "],")
    print("denominator: [" + ", ".join(repr(float(v)) for v in coefficients[6:]) + "],")


if __name__ == "__main__":
    main()
