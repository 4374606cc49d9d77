"""Counts parameters of diffusers' AnimateDiff UNet (SD 1.5 UNet + motion adapter v1-5-2), SD's VAE decoder and
CLIP ViT-L/14's text model, built from config dicts with no weights, and writes
test/fixtures/diffusers-unet-motion-sd15-param-counts.json.

    /path/to/venv/bin/python tools/reference/count_unet_motion_params.py [output.json]

Models are built on torch's meta device: shapes and parameter counts are exact, no memory is allocated.
"""

import json
import platform
import sys
from pathlib import Path

import diffusers
import torch
import transformers
from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel, UNetMotionModel
from transformers import CLIPTextConfig, CLIPTextModel

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "test" / "fixtures" / "diffusers-unet-motion-sd15-param-counts.json"
MOTION_MARKER = "motion_modules"

# The published configurations live in one place, beside the exporter that builds the same models.
sys.path.insert(0, str(REPO_ROOT / "tools" / "export"))
from configs import CLIP_VIT_L14_TEXT as CLIP_VIT_L14_TEXT_CONFIG  # noqa: E402
from configs import MOTION_ADAPTER_V1_5_2 as MOTION_ADAPTER_V1_5_2_CONFIG  # noqa: E402
from configs import SD15_UNET as SD15_UNET_CONFIG  # noqa: E402
from configs import SD_VAE as SD_VAE_CONFIG  # noqa: E402


def count(named_parameters):
    return sum(p.numel() for _, p in named_parameters)


def split_counts(module):
    params = list(module.named_parameters())
    motion = sum(p.numel() for name, p in params if MOTION_MARKER in name.split("."))
    total = count(params)
    return {"total": total, "motion": motion, "nonMotion": total - motion}


def top_level_children(module):
    """Per top-level child; ModuleLists are expanded to name[i]."""
    rows = {}
    for name, child in module.named_children():
        if isinstance(child, torch.nn.ModuleList):
            for index, item in enumerate(child):
                rows[f"{name}[{index}]"] = split_counts(item)
        else:
            rows[name] = split_counts(child)
    return rows


def unet_motion_counts():
    unet = UNet2DConditionModel(**SD15_UNET_CONFIG)
    adapter = MotionAdapter(**MOTION_ADAPTER_V1_5_2_CONFIG)
    motion_unet = UNetMotionModel.from_unet2d(unet, adapter)
    totals = split_counts(motion_unet)
    children = top_level_children(motion_unet)
    assert sum(row["total"] for row in children.values()) == totals["total"], "children do not cover the model"
    return {
        "class": type(motion_unet).__name__,
        "unetConfig": SD15_UNET_CONFIG,
        "motionAdapterConfig": MOTION_ADAPTER_V1_5_2_CONFIG,
        "total": totals["total"],
        "unetWithoutMotion": totals["nonMotion"],
        "motionModules": totals["motion"],
        "unet2dConditionModel": count(unet.named_parameters()),
        "motionAdapter": count(adapter.named_parameters()),
        "children": children,
    }


def vae_decoder_counts():
    vae = AutoencoderKL(**SD_VAE_CONFIG)
    decoder = count(vae.decoder.named_parameters())
    post_quant_conv = count(vae.post_quant_conv.named_parameters())
    children = {name: row["total"] for name, row in top_level_children(vae.decoder).items()}
    assert sum(children.values()) == decoder
    return {
        "class": type(vae).__name__,
        "config": SD_VAE_CONFIG,
        "decoderPlusPostQuantConv": decoder + post_quant_conv,
        "decoder": decoder,
        "postQuantConv": post_quant_conv,
        "autoencoderTotal": count(vae.named_parameters()),
        "decoderChildren": children,
    }


def text_encoder_counts():
    model = CLIPTextModel(CLIPTextConfig(**CLIP_VIT_L14_TEXT_CONFIG))
    # transformers 5 dropped the `text_model` wrapper that older versions (and SD checkpoints' names) have.
    text = getattr(model, "text_model", model)
    return {
        "class": type(model).__name__,
        "config": CLIP_VIT_L14_TEXT_CONFIG,
        "total": count(model.named_parameters()),
        "children": {
            "embeddings.token_embedding": count(text.embeddings.token_embedding.named_parameters()),
            "embeddings.position_embedding": count(text.embeddings.position_embedding.named_parameters()),
            "encoder.layers[0]": count(text.encoder.layers[0].named_parameters()),
            "encoder": count(text.encoder.named_parameters()),
            "final_layer_norm": count(text.final_layer_norm.named_parameters()),
        },
    }


def main():
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    with torch.device("meta"):
        fixture = {
            "generator": "tools/reference/count_unet_motion_params.py",
            "command": "python tools/reference/count_unet_motion_params.py",
            "versions": {
                "diffusers": diffusers.__version__,
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "python": platform.python_version(),
            },
            "motionParameterRule": f"a parameter is a motion parameter when '{MOTION_MARKER}' is one of its name's parts",
            "unetMotion": unet_motion_counts(),
            "vaeDecoder": vae_decoder_counts(),
            "textEncoder": text_encoder_counts(),
        }
    output.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {output}")
    print(json.dumps({k: fixture["unetMotion"][k] for k in ("total", "unetWithoutMotion", "motionModules", "unet2dConditionModel", "motionAdapter")}))
    print(json.dumps({k: fixture["vaeDecoder"][k] for k in ("decoderPlusPostQuantConv", "decoder", "postQuantConv")}))
    print(json.dumps({"textEncoder": fixture["textEncoder"]["total"]}))


if __name__ == "__main__":
    main()
