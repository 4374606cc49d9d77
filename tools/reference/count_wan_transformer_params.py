"""Counts parameters of diffusers' WanTransformer3DModel with the published Wan 2.1 T2V 1.3B config, built with no
weights, and writes test/fixtures/diffusers-wan-transformer-1.3b-param-counts.json.

    /path/to/venv/bin/python tools/reference/count_wan_transformer_params.py [output.json]

The model is built on torch's meta device: shapes and parameter counts are exact, no memory is allocated.
"""

import json
import platform
import sys
from pathlib import Path

import diffusers
import torch
from diffusers import WanTransformer3DModel

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "test" / "fixtures" / "diffusers-wan-transformer-1.3b-param-counts.json"

sys.path.insert(0, str(REPO_ROOT / "tools" / "export"))
from dit_configs import FULL_WAN  # noqa: E402  (the exporter's copy of the published config: one source for both)

# Wan-AI/Wan2.1-T2V-1.3B-Diffusers, transformer/config.json, with the image-to-video keys the T2V model leaves unset.
WAN_2_1_T2V_1_3B = {**FULL_WAN["transformer"], "image_dim": None, "added_kv_proj_dim": None}


def count(module_or_params):
    params = module_or_params.parameters() if isinstance(module_or_params, torch.nn.Module) else module_or_params
    return sum(p.numel() for p in params)


def parts(module):
    """Per top-level part: each child module (ModuleLists expanded to name[i]) and each parameter held directly."""
    rows = {}
    for name, child in module.named_children():
        if isinstance(child, torch.nn.ModuleList):
            for index, item in enumerate(child):
                rows[f"{name}[{index}]"] = count(item)
        else:
            rows[name] = count(child)
    for name, param in module.named_parameters(recurse=False):
        rows[name] = param.numel()
    assert sum(rows.values()) == count(module), "parts do not cover the module"
    return rows


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    with torch.device("meta"):
        model = WanTransformer3DModel(**WAN_2_1_T2V_1_3B)
    block = model.blocks[0]
    shapes = {name: list(p.shape) for name, p in model.named_parameters() if not name.startswith("blocks.") or name.startswith("blocks.0.")}
    fixture = {
        "generator": "tools/reference/count_wan_transformer_params.py",
        "command": "python tools/reference/count_wan_transformer_params.py",
        "versions": {"diffusers": diffusers.__version__, "torch": torch.__version__, "python": platform.python_version()},
        "class": type(model).__name__,
        "config": WAN_2_1_T2V_1_3B,
        "total": count(model),
        "parts": parts(model),
        "conditionEmbedderParts": parts(model.condition_embedder),
        "blockParts": parts(block),
        "parameterShapes": shapes,
    }
    output.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {output}")
    print(json.dumps({"total": fixture["total"], "blockParts": fixture["blockParts"], "conditionEmbedderParts": fixture["conditionEmbedderParts"]}))


if __name__ == "__main__":
    main()
