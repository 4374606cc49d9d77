"""Records a CLIP-format tokenizer and the ids transformers' CLIPTokenizer gives for a few prompts, as a fixture.

    python tools/reference/clip_tokenizer_reference.py [OUT_DIR]   (default test/fixtures/clip-tokenizer)

No vocabulary can be downloaded here, so the vocabulary is made on the spot in CLIP's format: every byte symbol
alone and as a word end (`</w>`), a few merges, and the start and end tokens. The tokenizer's normaliser,
pre-tokeniser, BPE settings and post-processor are CLIPTokenizer's own; `save_pretrained` writes the tokenizer.json
and tokenizer_config.json a diffusers pipeline ships, and the ids are those of `tokenizer(prompt,
padding="max_length", max_length=77, truncation=True)`, as diffusers encodes prompts.
"""

import json
import sys
from pathlib import Path

import transformers
from transformers import CLIPTokenizer
from transformers.convert_slow_tokenizer import bytes_to_unicode

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "test" / "fixtures" / "clip-tokenizer"
MERGES = [("t", "h"), ("th", "e</w>"), ("a", "n"), ("an", "d</w>"), ("o", "n</w>"), ("l", "i"), ("li", "g"), ("lig", "h"), ("ligh", "t"),
          ("s", "e"), ("se", "a</w>"), ("w", "a"), ("wa", "v"), ("wav", "e"), ("wave", "s</w>")]
PROMPTS = [
    "the light and the sea",
    "Waves on the sea, at night!",
    "",
    "  THE   lighthouse  ",
    "ünïcode café 42 it's",
    " ".join(["waves"] * 40 + ["and the light"] * 20),  # longer than 77 tokens: truncated
]


def main():
    symbols = list(bytes_to_unicode().values())
    vocab = {}
    for s in symbols + [s + "</w>" for s in symbols] + [a + b for a, b in MERGES] + ["<|startoftext|>", "<|endoftext|>"]:
        vocab.setdefault(s, len(vocab))
    tokenizer = CLIPTokenizer(vocab=vocab, merges=MERGES)
    OUT.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(OUT)
    rows = [{"prompt": p, "ids": tokenizer(p, padding="max_length", max_length=77, truncation=True).input_ids} for p in PROMPTS]
    (OUT / "expected-ids.json").write_text(json.dumps({"transformers": transformers.__version__, "maxLength": 77, "prompts": rows}) + "\n")
    print(f"wrote {OUT} ({len(vocab)} tokens, {len(rows)} prompts)")


if __name__ == "__main__":
    main()
