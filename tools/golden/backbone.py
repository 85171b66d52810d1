"""Golden outputs of the backbones from the reference implementation.

Runs Hugging Face transformers on PyTorch (float32, eager attention) and
writes, for every residual node k of METHOD.md section 1, the hidden state
H_k and the gradient D_k = dL/dh_k of a fixed loss, plus the pooled output,
as safetensors fixtures the Swift tests compare against:

  Tests/CoreTests/Fixtures/minilm_golden.safetensors      real all-MiniLM-L6-v2
  Tests/CoreTests/Fixtures/tiny-vit/                      a seeded random ViT
      config.json, model.safetensors                      (its weights)
      golden.safetensors                                  (its outputs)

The loss: pooled features (mean over real tokens for MiniLM, the final-norm
CLS row for ViT), a seeded linear head to C classes, cross-entropy against
fixed labels, averaged over the batch. Head and labels are in the fixture.

Run with the reference virtualenv (see tools/README.md):
    $ADAPTER_SEARCH_CACHE/reference-venv/bin/python tools/golden/backbone.py
"""
import json
import os
import pathlib

import torch
from safetensors.torch import save_file
from transformers import BertModel, BertTokenizer, ViTConfig, ViTModel

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "CoreTests" / "Fixtures"
CACHE = pathlib.Path(os.environ.get("ADAPTER_SEARCH_CACHE", pathlib.Path.home() / ".cache" / "adapter-search"))
MINILM = CACHE / "models" / "all-MiniLM-L6-v2"

SENTENCES = [
    "A small adapter placed well can match adapters in every block.",
    "Café naïve résumé!",
    "The quick brown fox jumps over the lazy dog, twice.",
]


def record_nodes(model, blocks, attention_output_of, block_output_of, embeddings):
    """Registers hooks that keep every node's tensor (with retain_grad)."""
    nodes = {}

    def keep(index):
        def hook(_module, args, output=None):
            tensor = output if output is not None else args[0]
            if isinstance(tensor, tuple):
                tensor = tensor[0]
            tensor.retain_grad()
            nodes[index] = tensor
        return hook

    embeddings.register_forward_hook(keep(0))
    for k, block in enumerate(blocks, start=1):
        module, is_input = attention_output_of(block)
        if is_input:
            module.register_forward_pre_hook(keep(2 * k - 1))
        else:
            module.register_forward_hook(keep(2 * k - 1))
        block_output_of(block).register_forward_hook(keep(2 * k))
    return nodes


def head_and_loss(pooled, classes, labels, seed):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(classes, pooled.shape[1], generator=generator) * 0.5
    bias = torch.randn(classes, generator=generator) * 0.1
    logits = pooled @ weight.T + bias
    return weight, bias, torch.nn.functional.cross_entropy(logits, labels)


def golden(nodes, pooled, loss, extra):
    loss.backward()
    tensors = dict(extra)
    for k, tensor in sorted(nodes.items()):
        rows = tensor.shape[0] * tensor.shape[1]
        tensors[f"node.{k}"] = tensor.detach().reshape(rows, -1).contiguous()
        tensors[f"gradient.{k}"] = tensor.grad.detach().reshape(rows, -1).contiguous()
    tensors["pooled"] = pooled.detach().contiguous()
    tensors["loss"] = loss.detach().reshape(1)
    return tensors


def minilm():
    tokenizer = BertTokenizer.from_pretrained(MINILM)
    model = BertModel.from_pretrained(MINILM, attn_implementation="eager", add_pooling_layer=False).eval()
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    layers = model.encoder.layer
    nodes = record_nodes(model, layers, lambda b: (b.attention.output, False), lambda b: b.output, model.embeddings)
    hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    labels = torch.tensor([2, 0, 4])
    weight, bias, loss = head_and_loss(pooled, 5, labels, seed=7)
    tensors = golden(nodes, pooled, loss, {
        "input_ids": batch["input_ids"].to(torch.int64),
        "attention_mask": batch["attention_mask"].to(torch.int64),
        "token_type_ids": batch["token_type_ids"].to(torch.int64),
        "labels": labels.to(torch.int64),
        "head.weight": weight, "head.bias": bias,
    })
    save_file(tensors, FIXTURES / "minilm_golden.safetensors", metadata={"sentences": json.dumps(SENTENCES)})


def tiny_vit():
    torch.manual_seed(0)
    config = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                       image_size=28, patch_size=7, num_channels=1, layer_norm_eps=1e-12, hidden_act="gelu",
                       qkv_bias=True, attn_implementation="eager")
    model = ViTModel(config, add_pooling_layer=False).eval()
    # Larger than the default 0.02 init, so that every part of the network matters.
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "layernorm" not in name:
                parameter.normal_(0.0, 0.2)
    folder = FIXTURES / "tiny-vit"
    folder.mkdir(exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    pixels = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    # transformers 5 names ViT's blocks model.layers (saved as encoder.layer.*).
    nodes = record_nodes(model, model.layers, lambda b: (b.layernorm_after, True), lambda b: b, model.embeddings)
    hidden = model(pixel_values=pixels).last_hidden_state  # after the final layer norm
    pooled = hidden[:, 0]
    labels = torch.tensor([1, 2])
    weight, bias, loss = head_and_loss(pooled, 3, labels, seed=8)
    tensors = golden(nodes, pooled, loss, {"pixels": pixels.reshape(2, -1), "labels": labels.to(torch.int64),
                                           "head.weight": weight, "head.bias": bias})
    save_file(tensors, folder / "golden.safetensors")


if __name__ == "__main__":
    torch.set_num_threads(2)
    minilm()
    tiny_vit()
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")
