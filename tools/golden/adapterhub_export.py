"""Checks `adapter-search export` against the real AdapterHub `adapters` library.

Writes Tests/HostTests/Fixtures/adapterhub-export/:
  model/    a seeded random 3-layer BERT (d = 16), Hugging Face layout
  trained/  a placement in `adapter-search train --out` form (placement.json,
            adapters.safetensors) with large random adapter weights, mixing
            edges AdapterHub can express (sequential; linear and GELU; alpha
            and channel scales; ranks that divide d and two that do not, one of them needing d / (r + 1/2))
            and edges it cannot (into node 0, post-LN parallel, long-range,
            recurrent)
  export/   what `adapter-search export` wrote for them
  golden.json  the inputs, and AdapterHub's hidden states, mean-pooled
            features and logits with every exported adapter active (Stack),
            plus the pooled features without adapters

The Swift test (AdapterHubExportTests) re-exports trained/, checks the files
equal export/, and runs the exported placement in AdapterSearch's engine on
the same inputs: its values must match AdapterHub's.

Usage: python tools/golden/adapterhub_export.py [path/to/adapter-search]
(the venv needs torch, transformers, adapters, safetensors)."""
import json
import os
import shutil
import subprocess
import sys

import adapters
import torch
from adapters import Stack
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertModel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests/HostTests/Fixtures/adapterhub-export")
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/adapter-search")

D, LAYERS = 16, 3
PLACEMENT = [  # (source, target, rank, activation, scale) - scale: a float alpha or "channel"
    (1, 1, 2, "linear", 1.0),
    (2, 2, 2, "linear", 1.0),
    (3, 3, 2, "linear", 0.5),
    (4, 4, 3, "gelu", "channel"),
    (5, 5, 5, "gelu", "channel"),  # 16 // (16 / 5) == 4.0: needs the factor 16 / 5.5
    (6, 6, 2, "gelu", "channel"),
    (0, 0, 2, "linear", 1.0),
    (1, 2, 2, "linear", 1.0),
    (0, 3, 2, "linear", 1.0),
    (6, 1, 2, "linear", 1.0),
]
CLASSES = ["a", "b", "c"]


def placement_text():
    parts = []
    for s, t, r, act, scale in PLACEMENT:
        text = f"{s}>{t}:r{r}"
        if act != "linear":
            text += ":" + act
        if scale == "channel":
            text += ":channel"
        elif scale != 1.0:
            text += f":alpha={scale}"
        parts.append(text)
    return ",".join(parts)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=14, hidden_size=D, num_hidden_layers=LAYERS, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, type_vocab_size=2, hidden_act="gelu",
                        layer_norm_eps=1e-12)
    model = BertModel(config, add_pooling_layer=False)
    with torch.no_grad():  # larger weights than BERT's 0.02 init, so every part matters
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_(1 + 0.2 * torch.randn_like(p) if name.endswith("weight") else 0.2 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    model.save_pretrained(os.path.join(OUT, "model"), safe_serialization=True)

    trained = os.path.join(OUT, "trained")
    os.makedirs(trained)
    tensors = {"head.weight": torch.randn(len(CLASSES), D) * 0.5, "head.bias": torch.randn(len(CLASSES)) * 0.5}
    for s, t, r, act, scale in PLACEMENT:
        name = f"adapters.{s}_{t}."
        tensors[name + "down.weight"] = torch.randn(r, D) * 0.5
        tensors[name + "down.bias"] = torch.randn(r) * 0.5
        tensors[name + "up.weight"] = torch.randn(D, r) * 0.5
        tensors[name + "up.bias"] = torch.randn(D) * 0.5
        tensors[name + "scale"] = 1 + 0.3 * torch.randn(D) if scale == "channel" else torch.tensor([scale])
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(trained, "adapters.safetensors"),
              metadata={"placement": placement_text()})
    with open(os.path.join(trained, "placement.json"), "w") as f:
        json.dump({"placement": placement_text(), "classes": CLASSES, "stop_gradient_at_recurrent_sources": False},
                  f, indent=2, sort_keys=True)

    export = os.path.join(OUT, "export")
    subprocess.run([BINARY, "export", "--placement-dir", trained, "--model", os.path.join(OUT, "model"),
                    "--out", export], check=True)
    summary = json.load(open(os.path.join(export, "export.json")))

    model = BertModel.from_pretrained(os.path.join(OUT, "model"))
    adapters.init(model)
    names = []
    for item in summary["adapters"]:
        info = {}
        names.append(model.load_adapter(os.path.join(export, item["folder"]), use_safetensors=True, loading_info=info))
        assert not info["missing_keys"] and not info["unexpected_keys"], (item["name"], info)
        n_weights = sum(1 for k in model.state_dict() if f"adapters.{item['name']}." in k)
        assert n_weights == len(load_file(os.path.join(export, item["folder"], "adapter.safetensors"))), item["name"]
    model.eval()
    ids = torch.tensor([[2, 4, 5, 6, 7, 8, 3], [2, 9, 10, 3, 0, 0, 0], [2, 11, 12, 13, 4, 3, 0]])
    mask = (torch.arange(7)[None, :] < torch.tensor([[7], [4], [6]])).long()
    head = torch.nn.Linear(D, len(CLASSES))
    head.load_state_dict(load_file(os.path.join(export, "head.safetensors")))

    def run():
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids),
                        output_hidden_states=True)
            m = mask[:, :, None].to(out.last_hidden_state.dtype)
            pooled = (out.last_hidden_state * m).sum(1) / m.sum(1)
            return out.hidden_states, pooled, head(pooled)

    model.set_active_adapters(None)
    _, pooled_without, _ = run()
    model.set_active_adapters(Stack(*names))
    hidden, pooled, logits = run()
    golden = {
        "versions": {"torch": torch.__version__, "adapters": adapters.__version__,
                     "transformers": __import__("transformers").__version__},
        "input_ids": ids.tolist(),
        "attention_mask": mask.tolist(),
        "layer_outputs": {str(2 * k): hidden[k].tolist() for k in range(LAYERS + 1)},
        "pooled": pooled.tolist(),
        "logits": logits.tolist(),
        "pooled_without_adapters": pooled_without.tolist(),
        "adapter_names": names,
    }
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f)
    print("active:", names, "max |pooled - pooled_without| =", (pooled - pooled_without).abs().max().item())


if __name__ == "__main__":
    main()
