"""Exports a diffusers AnimateDiff, Stable Video Diffusion, Wan or EasyAnimate pipeline to ONNX with a lightbench
model manifest.

    python tools/export/export_diffusers.py --pipeline animatediff --scale tiny --out DIR [--reference]
    python tools/export/export_diffusers.py --pipeline wan --scale tiny --out DIR [--reference]
    python tools/export/export_diffusers.py --pipeline svd --scale full --out DIR            # GPU-sized, several GB
    python tools/export/export_diffusers.py --pipeline all --scale full --dry-run            # build on the meta device only
    python tools/export/export_diffusers.py --from-pretrained DIR --out OUT [--dtype float16]  # a local checkpoint, its own weights

With --pipeline the weights are random (fixed seed): the architecture, operators and graph are diffusers' own, built
from the configs in configs.py. With --from-pretrained the pipeline is loaded from a local diffusers folder (never the
network) and exported with its own weights, scheduler config and tokenizer. Every graph has static shapes for one pipeline call with classifier-free guidance (batch 2), except the
AnimateDiff VAE decoder, whose batch (frames per call) is dynamic. Weights go to `<file>.onnx.data` beside each graph.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export_dit  # noqa: E402
import manifest as manifest_writer  # noqa: E402
from build_models import build, parameter_count, randomise_norms  # noqa: E402
from configs import CONFIGS  # noqa: E402
from onnx_export import export, files_of, up_block_concats  # noqa: E402
from from_pretrained import in_dtype  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "schemas" / "model-manifest.schema.json"
GUIDANCE_BATCH = 2
UNET_PIPELINES = ["animatediff", "svd"]
DIT_PIPELINES = ["wan", "easyanimate"]


def log(message):
    print(message, flush=True)


def latent_dims(config):
    p = config["pipeline"]
    scale = 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    return p["frames"], p["height"] // scale, p["width"] // scale


def animatediff_components(models, config, meta=False):
    """(file, module, call, example args, input names, output names, dynamic shapes) per component."""
    frames, h, w = latent_dims(config)
    p = config["pipeline"]
    text = config["text_encoder"]
    device = "meta" if meta else "cpu"
    context = text["max_position_embeddings"]
    batch = torch.export.Dim("frames", min=1, max=64)
    return [
        ("text_encoder.onnx", models["text_encoder"], lambda m, ids: m(input_ids=ids).last_hidden_state,
         (torch.zeros((1, context), dtype=torch.int64, device=device),), ["input_ids"], ["last_hidden_state"], None),
        ("unet.onnx", models["unet"], lambda m, s, t, c: m(s, t, encoder_hidden_states=c, return_dict=False)[0],
         (torch.randn((GUIDANCE_BATCH, 4, frames, h, w), device=device), torch.tensor([500.0], device=device),
          torch.randn((GUIDANCE_BATCH * frames, context, text["hidden_size"]), device=device)),
         ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], None),
        ("vae_decoder.onnx", models["vae"], lambda m, z: m.decode(z).sample,
         (torch.randn((p["frames"], 4, h, w), device=device),), ["latent_sample"], ["sample"], ({0: batch},)),
    ]


def decode_chunk(config):
    """Frames SVD's temporal decoder takes per call (the pipeline's decode_chunk_size); all frames unless set."""
    p = config["pipeline"]
    return p.get("decode_chunk_size", p["frames"])


def svd_components(models, config, meta=False):
    frames, h, w = latent_dims(config)
    p = config["pipeline"]
    unet = config["unet"]
    device = "meta" if meta else "cpu"
    image_size = config["image_encoder"]["image_size"]
    return [
        ("image_encoder.onnx", models["image_encoder"], lambda m, x: m(pixel_values=x).image_embeds,
         (torch.randn((1, 3, image_size, image_size), device=device),), ["pixel_values"], ["image_embeds"], None),
        ("vae_encoder.onnx", models["vae"], lambda m, x: m.encode(x).latent_dist.mode(),
         (torch.randn((1, 3, p["height"], p["width"]), device=device),), ["sample"], ["latent_sample"], None),
        ("unet.onnx", models["unet"],
         lambda m, s, t, c, ids: m(s, t, encoder_hidden_states=c, added_time_ids=ids, return_dict=False)[0],
         (torch.randn((GUIDANCE_BATCH, frames, unet["in_channels"], h, w), device=device), torch.tensor([0.5], device=device),
          torch.randn((GUIDANCE_BATCH, 1, unet["cross_attention_dim"]), device=device),
          torch.tensor([[6.0, 127.0, 0.02]] * GUIDANCE_BATCH, device=device)),
         ["sample", "timestep", "encoder_hidden_states", "added_time_ids"], ["out_sample"], None),
        ("vae_decoder.onnx", models["vae"], lambda m, z: m.decode(z, num_frames=decode_chunk(config)).sample,
         (torch.randn((decode_chunk(config), 4, h, w), device=device),), ["latent_sample"], ["sample"], None),
    ]


def components(pipeline, models, config, meta=False):
    return (animatediff_components if pipeline == "animatediff" else svd_components)(models, config, meta)


def dry_run(pipeline, scale, seed):
    """Builds every model on the meta device and runs each export call on meta tensors: shapes and parameter counts
    without allocating weights, so the full-scale configs can be checked on any machine."""
    config = CONFIGS[(pipeline, scale)]
    with torch.device("meta"):
        models = build(pipeline, config, seed)
    # Parameters made with the legacy torch.Tensor(...) constructor (SVD's mix_factor) ignore the device context.
    models = {name: model.to("meta") for name, model in models.items()}
    report = {}
    for file_name, module, call, args, _inputs, outputs, _dynamic in components(pipeline, models, config, meta=True):
        # Tensors the models create inside forward (SVD's image_only_indicator) must land on the meta device too.
        with torch.no_grad(), torch.device("meta"):
            out = call(module, *args)
        report[file_name] = {"parameters": parameter_count(module), "inputShapes": [list(a.shape) for a in args], f"{outputs[0]}Shape": list(out.shape)}
        log(f"{pipeline}/{scale} {file_name}: {report[file_name]}")
    return report


def write_export(pipeline, models, config, out, name, exporter, info, dtype=torch.float32, complete=None):
    """Exports every component of `models` into `out`, then writes manifest.json (finished by `complete`, which
    may edit it) and export-info.json."""
    summary = {"torch": torch.__version__, "exporter": exporter, **info, "files": {}}
    import diffusers, onnx, transformers  # noqa: E401

    summary.update({"diffusers": diffusers.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__})
    for file_name, module, call, args, inputs, outputs, dynamic in components(pipeline, models, config):
        started = time.time()
        ir, opset = export(module, in_dtype(call, dtype), args, out / file_name, inputs, outputs, exporter=exporter, dynamic_shapes=dynamic)
        names, size = files_of(out / file_name)
        summary["files"][file_name] = {"irVersion": ir, "opset": opset, "bytes": size, "files": names, "parameters": parameter_count(module)}
        log(f"{name} {file_name}: IR {ir}, opset {opset}, {size / 1e6:.2f} MB, {time.time() - started:.0f} s")

    blocks = len(config["unet"]["block_out_channels"])
    layers = config["unet"]["layers_per_block"]
    points = manifest_writer.cut_points(up_block_concats(out / "unet.onnx"), blocks, layers)
    if pipeline == "animatediff":
        document = manifest_writer.animatediff_manifest(name, config, points, None)
    else:
        document = manifest_writer.svd_manifest(name, config, points)
    document["$schema"] = os.path.relpath(SCHEMA, out.resolve())
    if complete:
        document = complete(document)
    manifest_writer.write(out, document)
    (out / "export-info.json").write_text(json.dumps({**summary, "config": config}, indent=2, default=str) + "\n")
    log(f"wrote {out / 'manifest.json'} with {len(points)} DeepCache cut points")


def export_pretrained(folder, out, exporter="dynamo", dtype="float32", frames=None, height=None, width=None, steps=None, motion_adapter=None, scheduler_class=None, decode_chunk_size=None):
    """Exports the pipeline saved in `folder` (its real weights) with a manifest naming the folder's own scheduler
    config and tokenizer. Returns (pipeline kind, the config the export used)."""
    from from_pretrained import DTYPES, check_folder, complete_manifest, export_config, load, models_of

    if dtype not in DTYPES:
        raise SystemExit(f"--dtype {dtype}: accepted: {', '.join(DTYPES)}")
    if dtype == "float16" and exporter == "legacy":
        # Its graphs bind float32 and float16 to one type parameter (CLIP's LayerNormalization), which ONNX Runtime refuses.
        raise SystemExit("--dtype float16 with --exporter legacy: the TorchScript exporter writes graphs that mix float16 and float32 in one operator; use the dynamo exporter (the default) for float16")
    kind, _index = check_folder(folder, motion_adapter, scheduler_class)
    pipe = load(folder, kind, DTYPES[dtype], motion_adapter)
    config = export_config(kind, pipe, frames, height, width, steps)
    if decode_chunk_size is not None:
        if kind != "svd" or decode_chunk_size < 1 or config["pipeline"]["frames"] % decode_chunk_size:
            raise SystemExit(f"--decode-chunk-size {decode_chunk_size}: SVD only, and it must divide the {config['pipeline']['frames']} frames")
        config["pipeline"]["decode_chunk_size"] = decode_chunk_size
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_export(kind, models_of(kind, pipe), config, out, Path(folder).resolve().name, exporter,
                 {"fromPretrained": str(Path(folder).resolve()), "dtype": dtype},
                 DTYPES[dtype], lambda document: complete_manifest(document, kind, folder, out, scheduler_class))
    return kind, config


def export_pipeline(pipeline, scale, out, seed, exporter, reference, decode_chunk_size=None):
    config = CONFIGS[(pipeline, scale)]
    if decode_chunk_size is not None:
        frames = config["pipeline"]["frames"]
        if decode_chunk_size < 1 or frames % decode_chunk_size:
            raise SystemExit(f"--decode-chunk-size {decode_chunk_size}: it must divide the {frames} frames of {pipeline}/{scale}")
        config = {**config, "pipeline": {**config["pipeline"], "decode_chunk_size": decode_chunk_size}}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    models = build(pipeline, config, seed)
    randomise_norms(models, seed)
    write_export(pipeline, models, config, out, f"{pipeline}-{scale}", exporter, {"seed": seed})
    if reference:
        from reference_run import record

        started = time.time()
        record(pipeline, models, config, out / "reference", seed)
        log(f"{pipeline}/{scale} reference outputs: {time.time() - started:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline", choices=[*UNET_PIPELINES, *DIT_PIPELINES, "all"], help="a built-in config with random weights (not with --from-pretrained)")
    parser.add_argument("--from-pretrained", metavar="DIR", help="a local diffusers pipeline folder (save_pretrained output or a hub snapshot): export its own weights, scheduler and tokenizer; never fetches anything")
    parser.add_argument("--motion-adapter", metavar="DIR", help="--from-pretrained with a Stable Diffusion folder: the AnimateDiff MotionAdapter folder to add")
    parser.add_argument("--scheduler-class", choices=["DDIMScheduler", "EulerDiscreteScheduler"], help="--from-pretrained: load the folder's scheduler config into this class (as diffusers' from_config), e.g. for a PNDM config")
    parser.add_argument("--dtype", choices=["float32", "float16"], default="float32", help="--from-pretrained: weights and arithmetic in this type (float16 for GPU runs); inputs and outputs stay float32")
    parser.add_argument("--frames", type=int, help="--from-pretrained: frames per video (default: AnimateDiff 16, SVD the UNet's num_frames)")
    parser.add_argument("--height", type=int, help="--from-pretrained: video height in pixels (default: AnimateDiff the UNet's sample size × the VAE's scale, SVD 576)")
    parser.add_argument("--width", type=int, help="--from-pretrained: video width in pixels (default: as height; SVD 1024)")
    parser.add_argument("--steps", type=int, help="--from-pretrained: the manifest's default step count (default 25)")
    parser.add_argument("--scale", choices=["tiny", "small", "full"], default="tiny", help="tiny: test fixtures; small: CPU-sized activations for memory comparisons; full: published sizes")
    parser.add_argument("--out", help="output folder (with --pipeline all: one sub-folder per pipeline)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exporter", choices=["dynamo", "legacy"], default="dynamo", help="torch.onnx's dynamo exporter (its default) or the TorchScript one")
    parser.add_argument("--reference", action="store_true", help="also record PyTorch reference outputs (tiny scale only)")
    parser.add_argument("--decode-chunk-size", type=int, help="SVD: frames the temporal VAE decoder takes per call (diffusers' decode_chunk_size; it must divide the frames); default all")
    parser.add_argument("--dry-run", action="store_true", help="build on the meta device and check shapes; write nothing")
    args = parser.parse_args()
    if args.from_pretrained:
        if args.pipeline or args.dry_run or args.reference:
            parser.error("--from-pretrained exports the folder's pipeline: --pipeline, --dry-run and --reference do not apply")
        if not args.out:
            parser.error("--out is required")
        export_pretrained(args.from_pretrained, args.out, args.exporter, args.dtype, args.frames, args.height, args.width, args.steps, args.motion_adapter, args.scheduler_class, args.decode_chunk_size)
        return
    if not args.pipeline:
        parser.error("give --pipeline (random weights from a built-in config) or --from-pretrained DIR")
    pipelines = [*UNET_PIPELINES, *DIT_PIPELINES] if args.pipeline == "all" else [args.pipeline]
    if args.dry_run:
        for pipeline in pipelines:
            (export_dit.dry_run if pipeline in DIT_PIPELINES else dry_run)(pipeline, args.scale, args.seed)
        return
    if not args.out:
        parser.error("--out is required unless --dry-run")
    if args.reference and args.scale != "tiny":
        parser.error("--reference runs the pipeline on CPU: tiny scale only")
    for pipeline in pipelines:
        out = Path(args.out) / f"{pipeline}-{args.scale}" if args.pipeline == "all" else Path(args.out)
        if pipeline in DIT_PIPELINES:
            export_dit.export_dit_pipeline(pipeline, args.scale, out, args.seed, args.exporter, args.reference)
            continue
        export_pipeline(pipeline, args.scale, out, args.seed, args.exporter, args.reference, args.decode_chunk_size if pipeline == "svd" else None)


if __name__ == "__main__":
    main()
