"""A safetensors file written by the reference library, for the Swift reader.

Writes Tests/CoreTests/Fixtures/reference_dtypes.safetensors (about 1 KB) with
Hugging Face's safetensors (safetensors.torch.save_file) from PyTorch tensors
of known values, one or more per dtype the Swift reader converts:

  f32        F32  [3, 3]  0, -0, 1, -2.5, FLT_MAX, 2^-149 (smallest subnormal), inf, -inf, nan
  f32_scalar F32  []      0.25
  f32_empty  F32  [0, 3]  (no values)
  f16        F16  [2, 6]  1, -2, 65504, -65504, 2^-24 (smallest subnormal), 2^-14 (smallest normal),
                          1023 * 2^-24 (largest subnormal), -0, inf, -inf, nan, 0.1 (stored as 0.0999755859375)
  bf16       BF16 [2, 4]  1, -0.5, pi (stored as 3.140625), 2^-133 (smallest subnormal),
                          3.3895313892515355e38 (largest finite), inf, -0, nan
  f64        F64  [2, 2]  1/3, -1e300, 5e-324 (smallest subnormal), 0.1
  i64        I64  [3]     -1, 0, 2^40
  flags      BOOL [2]     true, false

and __metadata__ {"format": "pt", "generator": this script's path}. The Swift
test (Tests/CoreTests/SafeTensorsTests.swift) holds the same values written
out by hand, so the file checks both the library's layout (it orders tensors
by dtype alignment, not by name) and the bit-level conversions. The script
reads the file back with the library and checks every value before it exits.

Run with the reference virtualenv (see tools/README.md):
    $(bash tools/reference-env) tools/golden/safetensors_fixture.py
Reference versions used for the committed fixture: torch 2.15.0, safetensors 0.8.0.
"""
import math
import pathlib

import torch
from safetensors.torch import load_file, save_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "Tests" / "CoreTests" / "Fixtures" / "reference_dtypes.safetensors"
INF, NAN = math.inf, math.nan

TENSORS = {
    "f32": torch.tensor([[0.0, -0.0, 1.0], [-2.5, 3.4028234663852886e38, 2.0**-149], [INF, -INF, NAN]], dtype=torch.float32),
    "f32_scalar": torch.tensor(0.25, dtype=torch.float32),
    "f32_empty": torch.zeros(0, 3, dtype=torch.float32),
    "f16": torch.tensor([[1.0, -2.0, 65504.0, -65504.0, 2.0**-24, 2.0**-14],
                         [1023 * 2.0**-24, -0.0, INF, -INF, NAN, 0.1]], dtype=torch.float16),
    "bf16": torch.tensor([[1.0, -0.5, math.pi, 2.0**-133], [3.3895313892515355e38, INF, -0.0, NAN]], dtype=torch.bfloat16),
    "f64": torch.tensor([[1 / 3, -1e300], [5e-324, 0.1]], dtype=torch.float64),
    "i64": torch.tensor([-1, 0, 2**40], dtype=torch.int64),
    "flags": torch.tensor([True, False], dtype=torch.bool),
}

# What the narrow types hold after rounding, which the Swift test expects.
EXPECTED_ROUNDED = {
    ("f16", 1, 5): 0.0999755859375,
    ("bf16", 0, 2): 3.140625,
}


def same(a, b):
    """Bitwise equal: NaN equals NaN, and -0 differs from 0."""
    def raw(tensor):
        return tensor.reshape(-1).view(torch.uint8)
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(raw(a), raw(b))


def main():
    for (name, row, col), value in EXPECTED_ROUNDED.items():
        assert TENSORS[name][row, col].item() == value, (name, TENSORS[name][row, col].item())
    save_file(TENSORS, str(OUTPUT), metadata={"format": "pt", "generator": "tools/golden/safetensors_fixture.py"})
    back = load_file(str(OUTPUT))
    assert back.keys() == TENSORS.keys()
    for name, tensor in TENSORS.items():
        assert same(back[name], tensor), name
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size} bytes, {len(TENSORS)} tensors)")


if __name__ == "__main__":
    main()
