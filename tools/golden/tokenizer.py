"""Golden token ids from Hugging Face's BERT tokenizer for all-MiniLM-L6-v2.

Writes Tests/CoreTests/Fixtures/tokenizer_golden.json: for each fixture text
its ids ([CLS] ... [SEP], truncated to 128), and one padded batch with its
attention mask. The Swift tokenizer must reproduce every id exactly.

Run with the reference virtualenv (see tools/README.md):
    $(bash tools/reference-env) tools/golden/tokenizer.py
"""
import json
import os
import pathlib

from transformers import AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHE = pathlib.Path(os.environ.get("ADAPTER_SEARCH_CACHE", pathlib.Path.home() / ".cache" / "adapter-search"))
MODEL = CACHE / "models" / "all-MiniLM-L6-v2"
OUT = ROOT / "Tests" / "CoreTests" / "Fixtures" / "tokenizer_golden.json"

TEXTS = [
    "Hello, world!",
    "Hello,world!!",
    "A small adapter placed well can match adapters in every block.",
    "café naïve résumé Ångström façade coöperate",
    "CAFÉ NAÏVE RÉSUMÉ",
    "İstanbul straße ΣΊΣΥΦΟΣ",
    "e.g. i.e. U.S.A. -- ... ?!",
    "don't won't it's rock'n'roll",
    "3.14159 1,000,000 -42 +7 1e-3 50%",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "xylophonic quizzaciously flibbertigibbet supercalifragilisticexpialidocious",
    "emoji: 😀👍🏽 🎉 ❤️",
    "中文字符和标点。",
    "日本語のテキストです",
    "한국어 텍스트",
    "Привет, мир! Ελληνικά κείμενα. مرحبا بالعالم",
    "tabs\tand\nnewlines\r\nand  double  spaces",
    "control\x00chars\x07here\x1bgone\ufffd",
    "zero\u200bwidth\u200cjoiner\u200d and\u00a0no-break\u202fspace",
    "line\u2028separator\u2029paragraph",
    "soft\u00adhyphen and bidi\u200emark",
    "fullwidth ＡＢＣ １２３ and ligature ﬁ",
    "math ∑∫√∞ ≤ ≥ ≠ and arrows → ← ↔",
    "quotes “curly” ‘single’ «guillemets» „low“",
    "dashes – — and ellipsis …",
    "a" * 120,
    "word" + "x" * 97,
    "x" * 100,
    "x" * 101,
    " ".join(["token"] * 200),
    " ".join(f"w{i}" for i in range(150)),
    "",
    "   \t\n  ",
    "[CLS] [SEP] [MASK] [UNK]",
    "<html><body>tags & entities &amp;</body></html>",
    "email@example.com https://example.org/path?q=1#frag",
    "C++ C# F# .NET node.js",
    "the noun supersense of a gloss: (a small domesticated carnivorous mammal)",
    "Ⅻ ⅷ ℃ № ™ ©",
    "ﬀ ǅ ῼ",
]

BATCH = ["Hello, world!", "A much longer sentence that needs padding at the end of the other.", "café"]


def main():
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    cases = [{"text": text, "ids": tokenizer(text, truncation=True, max_length=128)["input_ids"]} for text in TEXTS]
    batch = tokenizer(BATCH, padding=True, truncation=True, max_length=128)
    OUT.write_text(json.dumps({
        "tokenizer": type(tokenizer).__name__,
        "cases": cases,
        "batch": {"texts": BATCH, "ids": batch["input_ids"], "mask": batch["attention_mask"]},
    }, ensure_ascii=False, indent=1) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(cases)} cases, {OUT.stat().st_size} bytes, {type(tokenizer).__name__}")


if __name__ == "__main__":
    main()
