"""diffusers' WanPipeline rebuilt on an exported Wan fixture's weights, with the inputs recorded beside it: where
every run-time cache reference (first-block-cache, teacache, mag-cache, pab) starts."""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))

import torch  # noqa: E402
from diffusers import UniPCMultistepScheduler, WanPipeline  # noqa: E402

from dit_configs import WAN_UNIPC  # noqa: E402
from run_pytorch_reference import build_dit  # noqa: E402

# diffusers' context names for WanPipeline's two calls, as lightbench names the rows of its guided batch.
CALLS = {"uncond": "negative", "cond": "prompt"}


def recorded(fixture, name):
    """A tensor the exporter's reference run recorded beside the fixture (reference/)."""
    index = json.loads((fixture / "reference" / "reference.json").read_text())["tensors"][name]
    return torch.from_numpy(np.fromfile(fixture / "reference" / index["file"], dtype="<f4").reshape(index["shape"]).copy())


def wan_fixture_pipeline(fixture, steps, why_wan_only):
    """The fixture's WanPipeline (Wan's UniPC), its call arguments for `steps` from the recorded prompt embeddings,
    the recorded initial noise, and the exported pipeline settings. A non-Wan fixture stops with `why_wan_only`."""
    info = json.loads((fixture / "export-info.json").read_text())
    pipeline, models = build_dit(info["config"], info["seed"])
    if pipeline != "wan":
        raise SystemExit(f"{fixture}: a {pipeline} fixture; {why_wan_only}")
    settings = info["config"]["pipeline"]
    pipe = WanPipeline(tokenizer=None, text_encoder=models["text_encoder"], vae=models["vae"],
                       scheduler=UniPCMultistepScheduler(**WAN_UNIPC), transformer=models["transformer"])
    pipe.set_progress_bar_config(disable=True)
    call = dict(prompt_embeds=recorded(fixture, "prompt_embeds"), negative_prompt_embeds=recorded(fixture, "negative_prompt_embeds"),
                height=settings["height"], width=settings["width"], num_frames=settings["frames"], num_inference_steps=steps,
                guidance_scale=settings["guidance_scale"])
    return pipe, call, recorded(fixture, "initial_noise"), settings


def decisions_by_step(calls, steps):
    """The recorded per-call decisions grouped by step, each step's calls in lightbench's batch order (negative
    prompt, then prompt); stops unless there are exactly two calls per step."""
    if len(calls) != 2 * steps:
        raise SystemExit(f"expected two transformer calls per step, recorded {len(calls)} in {steps} steps")
    order = list(CALLS.values())
    return [sorted(calls[2 * i: 2 * i + 2], key=lambda c: order.index(c["call"])) for i in range(steps)]


def save_cached_reference(out, pipe, settings, name, label, plain, cached, fields, started):
    """Writes both videos and the run's facts (`fields`: what the cache was and decided) to `out`, as lightbench's
    parity tests read them, and prints one JSON line: versions and where it wrote."""
    import time

    import diffusers
    from tensor_store import TensorStore

    store = TensorStore(out)
    store.put("baseline.frames", plain, "frames in [0, 1] without the cache, [batch, frames, 3, H, W]")
    store.put(f"{name}.frames", cached, f"frames in [0, 1] with {label}, [batch, frames, 3, H, W]")
    store.save({
        "pipeline": "WanPipeline",
        **fields,
        "guidanceScale": settings["guidance_scale"],
        "timesteps": [float(t) for t in pipe.scheduler.timesteps],
        "maxAbsDifferenceFromBaseline": float((cached - plain).abs().max()),
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
    })
    print(json.dumps({"torch": torch.__version__, "diffusers": diffusers.__version__, "seconds": round(time.time() - started, 1), "reference": str(out)}))
