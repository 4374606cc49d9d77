"""Times the plain diffusers pipeline of an exported fixture on PyTorch CPU, per stage (encode, denoise, decode, total).

    python tools/export/time_pytorch_pipeline.py --fixture test/fixtures/user-models/svd-tiny [--steps N]
        [--warmup W] [--repeats R] [--threads T] [--json]

The torch models are rebuilt from the fixture's export-info.json (configs and seed) the way export_diffusers.py
builds them before exporting, so they carry the very weights of the ONNX graphs; the pipeline, scheduler and inputs
are those of reference_run.py (the recorded inputs in `reference/` when the fixture has them). The result is the
PyTorch side of a PyTorch-vs-lightbench comparison on the same model, steps and machine.

Stage boundaries (time.perf_counter; no pipeline code is copied, the pipelines are only observed):
- encode: run start to the first UNet forward (a forward pre-hook). For AnimateDiff the run starts with the text
  encoder forwards of the prompt and negative prompt token ids, made here because the fixture has no tokenizer; their
  embeddings go to the pipeline as prompt_embeds, so the text encoding is inside this stage. For SVD the pipeline
  encodes the conditioning image itself (CLIP vision encoder and VAE encoder). Either way the pipeline's own set-up
  before the first UNet call (timesteps, latents, added_time_ids) counts here too.
- denoise: first UNet forward to the end of the last step's `callback_on_step_end`, which the pipelines call after
  the scheduler step: every UNet call, guidance and scheduler step. `denoiseStepsMs` splits it at each callback.
- decode: end of the last step to the pipeline's return: VAE decode and postprocessing to a [0, 1] tensor.
- total: run start to the pipeline's return.
"""

import argparse
import contextlib
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import PIL.Image
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_models import build, randomise_norms  # noqa: E402
from configs import ANIMATEDIFF_DDIM, SVD_EULER  # noqa: E402

STAGES = ("encodeMs", "denoiseMs", "decodeMs", "totalMs")
# reference_run.py seeds the generator of SVD's noise augmentation with seed + 7.
SVD_AUGMENTATION_SEED_OFFSET = 7


def log(message):
    print(message, file=sys.stderr, flush=True)


def pipeline_kind(config):
    return "svd" if "image_encoder" in config else "animatediff"


def rebuild_models(kind, config, seed):
    """The same two calls, in the same order, as export_diffusers.export_pipeline: the weights are bit-identical."""
    models = build(kind, config, seed)
    randomise_norms(models, seed)
    return models


def read_reference(fixture):
    """Recorded tensors of reference/ by name, or None when the fixture was exported without --reference."""
    index_file = fixture / "reference" / "reference.json"
    if not index_file.exists():
        return None
    index = json.loads(index_file.read_text())["tensors"]

    def tensor(name):
        entry = index[name]
        dtype = {"float32": "<f4", "int64": "<i8"}[entry["dtype"]]
        return torch.from_numpy(np.fromfile(index_file.parent / entry["file"], dtype=dtype).reshape(entry["shape"]).copy())

    return tensor


def latent_hw(config):
    scale = 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    return config["pipeline"]["height"] // scale, config["pipeline"]["width"] // scale


def animatediff_inputs(config, seed, reference):
    """Token ids of prompt and negative prompt, and the initial noise [1, 4, frames, h, w]."""
    if reference:
        return reference("text_encoder.input_ids"), reference("text_encoder.negative_input_ids"), reference("initial_noise")
    text, generator = config["text_encoder"], torch.Generator().manual_seed(seed)
    prompt = torch.full((1, text["max_position_embeddings"]), text["eos_token_id"], dtype=torch.int64)
    prompt[0, 0] = text["bos_token_id"]
    negative = prompt.clone()
    prompt[0, 1:6] = torch.randint(0, text["vocab_size"] - 2, (5,), generator=generator)
    noise = torch.randn((1, 4, config["pipeline"]["frames"], *latent_hw(config)), generator=generator)
    return prompt, negative, noise


def svd_inputs(config, seed, reference):
    """The conditioning image as 8-bit pixels [H, W, 3] and the initial noise [1, frames, 4, h, w]."""
    p = config["pipeline"]
    if reference:
        pixels = (reference("image")[0].permute(1, 2, 0) * 255).round().to(torch.uint8)
        return pixels, reference("initial_noise")
    generator = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (p["height"], p["width"], 3), generator=generator, dtype=torch.uint8)
    return pixels, torch.randn((1, p["frames"], 4, *latent_hw(config)), generator=generator)


def animatediff_runner(models, config, seed, steps, reference):
    from diffusers import AnimateDiffPipeline, DDIMScheduler

    p = config["pipeline"]
    pipe = AnimateDiffPipeline(
        vae=models["vae"], text_encoder=models["text_encoder"], tokenizer=None, unet=models["unet"], motion_adapter=None,
        scheduler=DDIMScheduler(**ANIMATEDIFF_DDIM),
    )
    prompt_ids, negative_ids, noise = animatediff_inputs(config, seed, reference)

    def run(on_step_end):
        prompt_embeds = models["text_encoder"](input_ids=prompt_ids).last_hidden_state
        negative_embeds = models["text_encoder"](input_ids=negative_ids).last_hidden_state
        return pipe(
            prompt_embeds=prompt_embeds, negative_prompt_embeds=negative_embeds, num_frames=p["frames"], height=p["height"],
            width=p["width"], num_inference_steps=steps, guidance_scale=p["guidance_scale"], latents=noise.clone(),
            output_type="pt", callback_on_step_end=on_step_end,
        )

    return pipe, run


def svd_runner(models, config, seed, steps, reference):
    from diffusers import EulerDiscreteScheduler, StableVideoDiffusionPipeline
    from transformers import CLIPImageProcessor

    p = config["pipeline"]
    pipe = StableVideoDiffusionPipeline(
        vae=models["vae"], image_encoder=models["image_encoder"], unet=models["unet"],
        scheduler=EulerDiscreteScheduler(**SVD_EULER), feature_extractor=CLIPImageProcessor(),
    )
    pixels, noise = svd_inputs(config, seed, reference)

    def run(on_step_end):
        return pipe(
            image=PIL.Image.fromarray(pixels.numpy()), height=p["height"], width=p["width"], num_frames=p["frames"],
            num_inference_steps=steps, min_guidance_scale=p["min_guidance_scale"], max_guidance_scale=p["max_guidance_scale"],
            fps=p["fps"], motion_bucket_id=p["motion_bucket_id"], noise_aug_strength=p["noise_aug_strength"],
            decode_chunk_size=p["frames"], generator=torch.Generator().manual_seed(seed + SVD_AUGMENTATION_SEED_OFFSET),
            latents=noise.clone(), output_type="pt", callback_on_step_end=on_step_end,
        )

    return pipe, run


def timed_run(pipe, run, steps):
    """One pipeline call, split into stages at the first UNet forward and the last step-end callback."""
    marks = {"firstUnet": None, "stepEnds": []}

    def on_unet(_module, _args):
        if marks["firstUnet"] is None:
            marks["firstUnet"] = time.perf_counter()

    def on_step_end(_pipe, _index, _timestep, _tensors):
        marks["stepEnds"].append(time.perf_counter())
        return {}

    hook = pipe.unet.register_forward_pre_hook(on_unet)
    try:
        started = time.perf_counter()
        run(on_step_end)
        finished = time.perf_counter()
    finally:
        hook.remove()
    ends = marks["stepEnds"]
    if marks["firstUnet"] is None or len(ends) != steps:
        raise RuntimeError(f"expected {steps} steps after a UNet call, saw {len(ends)} step ends")
    bounds = [marks["firstUnet"], *ends]
    ms = lambda a, b: (b - a) * 1000  # noqa: E731
    return {
        "encodeMs": ms(started, marks["firstUnet"]),
        "denoiseMs": ms(marks["firstUnet"], ends[-1]),
        "decodeMs": ms(ends[-1], finished),
        "totalMs": ms(started, finished),
        "denoiseStepsMs": [ms(a, b) for a, b in zip(bounds, bounds[1:])],
    }


def unet_reference_max_abs_diff(kind, models, reference):
    """Max |difference| of the rebuilt UNet on the recorded first UNet call: 0 when the weights are those exported."""
    if not reference:
        return None
    extra = {"added_time_ids": reference("unet.added_time_ids")} if kind == "svd" else {}
    out = models["unet"](
        reference("unet.sample"), reference("unet.timestep")[0], encoder_hidden_states=reference("unet.encoder_hidden_states"),
        return_dict=False, **extra,
    )[0]
    return float((out - reference("unet.out_sample")).abs().max())


def peak_rss_bytes():
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def measure(fixture, steps, warmup, repeats):
    info = json.loads((fixture / "export-info.json").read_text())
    config, seed = info["config"], info["seed"]
    kind = pipeline_kind(config)
    steps = steps or config["pipeline"]["steps"]
    reference = read_reference(fixture)
    models = rebuild_models(kind, config, seed)
    pipe, run = (svd_runner if kind == "svd" else animatediff_runner)(models, config, seed, steps, reference)
    pipe.set_progress_bar_config(disable=True)
    # inference_mode rather than no_grad: the fastest plain PyTorch path, which is what lightbench is compared with.
    with torch.inference_mode():
        diff = unet_reference_max_abs_diff(kind, models, reference)
        if diff is not None:
            log(f"rebuilt UNet vs recorded first call: max |difference| {diff:g}")
        for index in range(warmup):
            log(f"warm-up {index + 1}/{warmup}: {timed_run(pipe, run, steps)['totalMs']:.1f} ms")
        runs = []
        for index in range(repeats):
            runs.append(timed_run(pipe, run, steps))
            log(f"run {index + 1}/{repeats}: " + ", ".join(f"{k} {runs[-1][k]:.1f}" for k in STAGES))
    import diffusers

    return {
        "fixture": str(fixture),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "threads": torch.get_num_threads(),
        "pipeline": type(pipe).__name__,
        "steps": steps,
        "warmup": warmup,
        "repeats": repeats,
        "unetReferenceMaxAbsDiff": diff,
        "runs": runs,
        "median": {k: statistics.median(r[k] for r in runs) for k in STAGES},
        "peakRssBytes": peak_rss_bytes(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, type=Path, help="an export folder with export-info.json")
    parser.add_argument("--steps", type=int, help="denoising steps (default: the export's pipeline steps)")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs first (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs (default 3)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's own, reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout; diagnostics go to stderr")
    args = parser.parse_args()
    if not (args.fixture / "export-info.json").exists():
        parser.error(f"{args.fixture}: no export-info.json")
    if args.repeats < 1 or args.warmup < 0 or (args.steps is not None and args.steps < 1):
        parser.error("--repeats and --steps must be at least 1, --warmup at least 0")
    if args.threads:
        torch.set_num_threads(args.threads)
    # Libraries may print; with --json stdout carries the result only.
    with contextlib.redirect_stdout(sys.stderr):
        result = measure(args.fixture, args.steps, args.warmup, args.repeats)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['pipeline']} on torch {result['torch']} ({result['threads']} threads), {result['steps']} steps, "
          f"median of {result['repeats']}:")
    for key in STAGES:
        print(f"  {key:<10} {result['median'][key]:10.1f}")
    print(f"  peak RSS   {result['peakRssBytes'] / 2**20:10.1f} MiB")


if __name__ == "__main__":
    main()
