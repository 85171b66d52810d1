#!/usr/bin/env python3
"""The PyTorch peer of `adapter-search bench train`: the same training steps
in PyTorch + transformers, timed, for the bench to set beside its own.

What one step is, on both sides (docs/METHOD.md sections 1-3 and 7): the
frozen backbone in eval mode (no dropout), one adapter
A(X) = (X W_down^T + b_down) W_up^T + b_up of rank r on edge i>j, reading node
i and adding into node j, mean pooling over real tokens, a linear head,
cross-entropy, backward, an AdamW step of the adapter and the head. Nodes are
BERT's residual stream: 0 the embeddings' output, 2k-1 block k after its
attention sub-layer's LayerNorm, 2k block k's output. A sequential edge t>t
adds A(raw_t) to node t, a forward edge i>j (j > i) adds A(h'_i); a recurrent
edge i>j (i > j) runs a first pass up to node i (no gradient: nothing in it
trains) and a second pass that adds A(h'_i of pass 1) into node j. PyTorch's
autograd already stops the backward at the first node a trainable adapter
touches; there is no prefix cache (every step runs the frozen layers below the
adapter again), which is what a PyTorch user gets.

Protocol (one JSON document per line, both ways), so that the bench can
alternate with its own timings edge by edge:
  out  {"ready": true, "torch": VERSION, "threads": N}
  in   {"batches": [{"ids": [[...]], "mask": [[...]], "labels": [...]}, ...],
        "classes": C, "rank": R, "head": {"weight": [[...]] (C x d), "bias": [...]}}
  out  {"ok": true}
  in   {"edge": [i, j]}    (as many as asked)
  out  {"edge": [i, j], "step_s": SECONDS, "first_loss": LOSS}
       (step_s: the mean over the batches after one warm-up step; first_loss:
       the warm-up step's loss, before any update: with the bench's head and
       an adapter whose up-projection starts at zero it is the bench's own
       first loss, which checks that both sides train the same model)
An error is reported as {"error": MESSAGE} and the script exits 1.

Usage: peer_train.py --model DIR [--threads N]
"""
import argparse
import json
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="the checkpoint folder (config.json, model.safetensors)")
    parser.add_argument("--threads", type=int, default=0, help="PyTorch's intra-op threads (0: its default)")
    arguments = parser.parse_args()
    try:
        import torch
        from transformers import AutoModel
    except ImportError as error:
        reply({"error": f"PyTorch or transformers is not installed: {error}"})
        return 1
    if arguments.threads > 0:
        torch.set_num_threads(arguments.threads)
    model = AutoModel.from_pretrained(arguments.model).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    peer = None
    for line in sys.stdin:
        message = json.loads(line)
        try:
            if "batches" in message:
                peer = Peer(torch, model, message)
                reply({"ok": True})
            elif "edge" in message:
                source, target = message["edge"]
                seconds, first_loss = peer.step_time(source, target)
                reply({"edge": [source, target], "step_s": seconds, "first_loss": first_loss})
            else:
                raise ValueError(f"unknown message {sorted(message)}")
        except Exception as error:  # reported to the bench, which says it
            reply({"error": f"{type(error).__name__}: {error}"})
            return 1
    return 0


def reply(message):
    print(json.dumps(message), flush=True)


class Stop(Exception):
    """Ends a first pass once the node it needs exists."""


class Peer:
    """The frozen model, the bench's batches, and the node hooks."""

    def __init__(self, torch, model, message):
        self.torch, self.model = torch, model
        self.batches = [(torch.tensor(b["ids"]), torch.tensor(b["mask"]), torch.tensor(b["labels"])) for b in message["batches"]]
        self.classes, self.rank = message["classes"], message.get("rank", 8)
        self.head = (torch.tensor(message["head"]["weight"]), torch.tensor(message["head"]["bias"]))
        self.width = model.config.hidden_size
        layers = model.encoder.layer
        # node -> the module whose output is that node
        self.modules = [model.embeddings] + [m for layer in layers for m in (layer.attention.output, layer.output)]
        self.adds = {}      # node -> function of the node's raw value giving what to add
        self.record = None  # (node, dict): keep the node's final value
        self.stop_at = None
        for node, module in enumerate(self.modules):
            module.register_forward_hook(self.hook(node))

    def hook(self, node):
        def apply(module, inputs, output):
            value = output
            if node in self.adds:
                value = value + self.adds[node](output)
            if self.record is not None and self.record[0] == node:
                self.record[1]["value"] = value
            if self.stop_at == node:
                raise Stop()
            return value
        return apply

    def step_time(self, source, target):
        """Seconds per step over the batches, and the warm-up step's loss."""
        torch = self.torch
        down = torch.nn.Linear(self.width, self.rank)
        up = torch.nn.Linear(self.rank, self.width)
        torch.nn.init.trunc_normal_(down.weight, std=0.01, a=-0.02, b=0.02)
        torch.nn.init.zeros_(down.bias), torch.nn.init.zeros_(up.weight), torch.nn.init.zeros_(up.bias)
        head = torch.nn.Linear(self.width, self.classes)
        with torch.no_grad():
            head.weight.copy_(self.head[0]), head.bias.copy_(self.head[1])
        parameters = [*down.parameters(), *up.parameters(), *head.parameters()]
        optimiser = torch.optim.AdamW(parameters, lr=1e-3, weight_decay=1e-4)

        def adapter(x):
            return up(down(x))

        def step(ids, mask, labels):
            kept = {}
            if source > target:  # recurrent: pass 1 up to the source, nothing in it trains
                self.adds, self.record, self.stop_at = {}, (source, kept), source
                with torch.no_grad():
                    try:
                        self.model(input_ids=ids, attention_mask=mask)
                    except Stop:
                        pass
                pass_one = kept["value"]
                self.adds, self.record, self.stop_at = {target: lambda raw: adapter(pass_one)}, None, None
            elif source == target:
                self.adds, self.record, self.stop_at = {target: adapter}, None, None
            else:
                self.adds, self.record, self.stop_at = {target: lambda raw: adapter(kept["value"])}, (source, kept), None
            hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1)
            loss = torch.nn.functional.cross_entropy(head(pooled), labels)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            return loss.item()

        first_loss = step(*self.batches[0])  # warm-up
        start = time.perf_counter()
        for batch in self.batches:
            step(*batch)
        elapsed = time.perf_counter() - start
        self.adds, self.record, self.stop_at = {}, None, None
        return elapsed / len(self.batches), first_loss


if __name__ == "__main__":
    sys.exit(main())
