"""Saves tiny random diffusers pipelines with save_pretrained, exports them with the exporter's --from-pretrained,
and records the pipelines loaded back with from_pretrained as the PyTorch reference of lightbench's parity check.

    python tools/parity/pretrained_reference.py --out DIR [--pipeline animatediff|svd|all]

For each pipeline: DIR/<pipeline>-pretrained (the saved folder), DIR/<pipeline>-onnx (the export, its manifest, and
reference/ from the plain pipeline and DeepCache's helper). AnimateDiff is a UNet2DConditionModel with a
MotionAdapter and a DDIM scheduler with v_prediction and leading spacing; SVD has SVD-XT's Euler scheduler config.
Prints one JSON line: versions and the export folders.
"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools" / "export"))

import from_pretrained  # noqa: E402,F401  (sets HF_HUB_OFFLINE before diffusers loads)
import torch  # noqa: E402
from build_models import randomise_norms  # noqa: E402
from configs import SVD_EULER, TINY_ANIMATEDIFF, TINY_SVD  # noqa: E402
from export_diffusers import export_pretrained  # noqa: E402
from reference_run import record  # noqa: E402

SEED = 0
TOKENIZER = REPO / "test" / "fixtures" / "clip-tokenizer" / "tokenizer.json"
# A fine-tuned checkpoint's sampler, unlike the exporter's own AnimateDiff default.
ANIMATEDIFF_SCHEDULER = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "timestep_spacing": "leading",
                         "steps_offset": 1, "prediction_type": "v_prediction", "clip_sample": False, "set_alpha_to_one": False}


def save_animatediff(folder):
    from diffusers import AnimateDiffPipeline, AutoencoderKL, DDIMScheduler, MotionAdapter, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizerFast

    torch.manual_seed(SEED)
    unet = UNet2DConditionModel(
        block_out_channels=[16, 32, 32], down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"], layers_per_block=2, norm_num_groups=8,
        cross_attention_dim=32, attention_head_dim=2, in_channels=4, out_channels=4, sample_size=16)
    adapter = MotionAdapter(block_out_channels=[16, 32, 32], motion_layers_per_block=2, motion_mid_block_layers_per_block=1,
                            motion_num_attention_heads=2, motion_norm_num_groups=8, motion_max_seq_length=32, use_motion_mid_block=True)
    text_encoder = CLIPTextModel(CLIPTextConfig(**TINY_ANIMATEDIFF["text_encoder"]))
    vae = AutoencoderKL(**TINY_ANIMATEDIFF["vae"])
    tokenizer = CLIPTokenizerFast(tokenizer_file=str(TOKENIZER), bos_token="<|startoftext|>", eos_token="<|endoftext|>",
                                  pad_token="<|endoftext|>", unk_token="<|endoftext|>")
    pipe = AnimateDiffPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, motion_adapter=adapter,
                               scheduler=DDIMScheduler(**ANIMATEDIFF_SCHEDULER))
    randomise_norms({"unet": pipe.unet, "text_encoder": text_encoder, "vae": vae}, SEED)
    pipe.save_pretrained(folder)


def save_svd(folder):
    from diffusers import AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, StableVideoDiffusionPipeline, UNetSpatioTemporalConditionModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(SEED)
    models = {"unet": UNetSpatioTemporalConditionModel(**TINY_SVD["unet"]),
              "image_encoder": CLIPVisionModelWithProjection(CLIPVisionConfig(**TINY_SVD["image_encoder"])),
              "vae": AutoencoderKLTemporalDecoder(**TINY_SVD["vae"])}
    randomise_norms(models, SEED)
    pipe = StableVideoDiffusionPipeline(**models, scheduler=EulerDiscreteScheduler(**SVD_EULER), feature_extractor=CLIPImageProcessor())
    pipe.save_pretrained(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--pipeline", choices=["animatediff", "svd", "all"], default="all")
    parser.add_argument("--exporter", choices=["dynamo", "legacy"], default="dynamo", help="torch.onnx exporter (legacy: TorchScript, seconds instead of a minute per pipeline)")
    parser.add_argument("--float16", action="store_true", help="also export AnimateDiff with --dtype float16 (its reference is the float32 run)")
    args = parser.parse_args()
    from diffusers import AnimateDiffPipeline, StableVideoDiffusionPipeline

    started = time.time()
    exports = {}
    for kind in (["animatediff", "svd"] if args.pipeline == "all" else [args.pipeline]):
        folder, out = args.out / f"{kind}-pretrained", args.out / f"{kind}-onnx"
        (save_animatediff if kind == "animatediff" else save_svd)(folder)
        sizes = TINY_ANIMATEDIFF["pipeline"] if kind == "animatediff" else TINY_SVD["pipeline"]
        _, config = export_pretrained(folder, out, args.exporter, frames=sizes["frames"], height=sizes["height"], width=sizes["width"], steps=sizes["steps"])
        cls = AnimateDiffPipeline if kind == "animatediff" else StableVideoDiffusionPipeline
        pipe = cls.from_pretrained(folder, local_files_only=True)
        models = {name: getattr(pipe, name) for name in (["unet", "text_encoder", "vae"] if kind == "animatediff" else ["unet", "image_encoder", "vae"])}
        record(kind, models, config, out / "reference", SEED, pipe=pipe)
        exports[kind] = str(out)
        if kind == "animatediff" and args.float16:
            # The same checkpoint with float16 weights: compared with the float32 reference above, within float16's
            # rounding. Always the dynamo exporter: the TorchScript one writes mixed float16/float32 graphs.
            half = args.out / f"{kind}-onnx-float16"
            export_pretrained(folder, half, "dynamo", dtype="float16", frames=sizes["frames"], height=sizes["height"], width=sizes["width"], steps=sizes["steps"])
            shutil.copytree(out / "reference", half / "reference")
            exports[f"{kind}-float16"] = str(half)
    import diffusers

    print(json.dumps({"torch": torch.__version__, "diffusers": diffusers.__version__, "exports": exports, "seconds": round(time.time() - started, 1)}))


if __name__ == "__main__":
    main()
