"""A local diffusers pipeline folder (save_pretrained output, or a downloaded snapshot) prepared for export.

Only the folder is read: HF_HUB_OFFLINE is set before diffusers is imported and every load passes
local_files_only=True, so nothing is ever fetched. A folder the exporter cannot handle is refused naming what is
missing or unsupported, before any weights are loaded.
"""

import json
import os
import shutil
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import torch  # noqa: E402

# The pipeline classes the exporter knows, with the components each needs (model_index.json names).
PIPELINES = {
    "AnimateDiffPipeline": ("animatediff", ["unet", "text_encoder", "tokenizer", "vae", "scheduler"]),
    "StableVideoDiffusionPipeline": ("svd", ["unet", "image_encoder", "vae", "scheduler"]),
}
# Scheduler classes lightbench translates from a scheduler_config.json (pipelines/schedulers/diffusers-scheduler-config.ts).
TRANSLATED_SCHEDULERS = ["DDIMScheduler", "EulerDiscreteScheduler"]
WEIGHT_SUFFIXES = (".safetensors", ".bin")
DTYPES = {"float32": torch.float32, "float16": torch.float16}


class Refused(SystemExit):
    """The folder cannot be exported; the message says what is missing or unsupported."""

    def __init__(self, folder, message):
        super().__init__(f"--from-pretrained {folder}: {message}")


def _has_weights(path):
    return path.is_dir() and any(f.name.endswith(WEIGHT_SUFFIXES) for f in path.iterdir())


def check_folder(folder, motion_adapter=None, scheduler_class=None):
    """(pipeline kind, model_index) of `folder`, or Refused naming every missing or unsupported part."""
    folder = Path(folder)
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        raise Refused(folder, "no model_index.json: not a diffusers pipeline folder (save_pretrained writes one; a hub snapshot has one at its root)")
    index = json.loads(index_path.read_text())
    class_name = index.get("_class_name")
    if class_name == "StableDiffusionPipeline" and motion_adapter:
        kind, needed = "animatediff", ["unet", "text_encoder", "tokenizer", "vae", "scheduler"]
    elif class_name in PIPELINES:
        kind, needed = PIPELINES[class_name]
    else:
        accepted = ", ".join(PIPELINES) + ", or StableDiffusionPipeline with --motion-adapter DIR"
        raise Refused(folder, f"pipeline class {class_name!r} is not supported; accepted: {accepted}")
    problems = []
    for name in needed:
        entry = index.get(name)
        if not entry or entry[0] is None:
            problems.append(f"{name} (model_index.json lists none)")
        elif not (folder / name).is_dir():
            problems.append(f"{name}/ (model_index.json lists {entry[1]}, the folder is missing)")
        elif name not in ("tokenizer", "scheduler") and not _has_weights(folder / name):
            problems.append(f"{name}/ weights (no *.safetensors or *.bin)")
    if kind == "animatediff" and (index.get("unet") or [None, None])[1] == "UNet2DConditionModel":
        adapter = Path(motion_adapter) if motion_adapter else folder / "motion_adapter"
        if not _has_weights(adapter):
            problems.append(f"a motion adapter (the UNet is a UNet2DConditionModel and {adapter} holds no MotionAdapter weights; give --motion-adapter DIR)")
    scheduler_file = folder / "scheduler" / "scheduler_config.json"
    if scheduler_file.is_file() and not scheduler_class:
        scheduler = json.loads(scheduler_file.read_text()).get("_class_name")
        if scheduler not in TRANSLATED_SCHEDULERS:
            problems.append(f"scheduler {scheduler} is not one lightbench samples with (accepted: {', '.join(TRANSLATED_SCHEDULERS)}); "
                            f"--scheduler-class loads its config into one of them, as diffusers' from_config does")
    elif not scheduler_file.is_file() and "scheduler" in needed:
        problems.append("scheduler/scheduler_config.json")
    if kind == "animatediff" and (folder / "tokenizer").is_dir() and not any((folder / "tokenizer" / f).is_file() for f in ("tokenizer.json", "vocab.json")):
        problems.append("tokenizer/tokenizer.json (or vocab.json and merges.txt)")
    if problems:
        raise Refused(folder, "missing or unsupported: " + "; ".join(problems))
    return kind, index


def load(folder, kind, dtype, motion_adapter=None):
    """The pipeline loaded from the folder alone, weights in `dtype`."""
    from diffusers import AnimateDiffPipeline, MotionAdapter, StableVideoDiffusionPipeline

    extra = {}
    if motion_adapter:
        extra["motion_adapter"] = MotionAdapter.from_pretrained(motion_adapter, local_files_only=True, dtype=dtype)
    cls = AnimateDiffPipeline if kind == "animatediff" else StableVideoDiffusionPipeline
    try:
        pipe = cls.from_pretrained(folder, local_files_only=True, dtype=dtype, **extra)
    except (OSError, ValueError, EnvironmentError) as error:
        raise Refused(folder, f"{cls.__name__}.from_pretrained could not load it from the folder alone: {error}") from error
    return pipe


def vae_scale(pipe):
    return 2 ** (len(pipe.vae.config.block_out_channels) - 1)


def export_config(kind, pipe, frames=None, height=None, width=None, steps=None):
    """The exporter's config dict (configs.py's shape) of a loaded pipeline: its components' own configs, and the
    call's sizes (the pipeline's defaults unless given)."""
    scale = vae_scale(pipe)
    unet = dict(pipe.unet.config)
    size = unet.get("sample_size") or 64
    if kind == "animatediff":
        pipeline = {"frames": frames or 16, "height": height or size * scale, "width": width or size * scale, "steps": steps or 25, "guidance_scale": 7.5}
        return {"unet": unet, "text_encoder": pipe.text_encoder.config.to_dict(), "vae": dict(pipe.vae.config), "pipeline": pipeline}
    frames = frames or unet.get("num_frames") or 14
    pipeline = {"frames": frames, "height": height or 576, "width": width or 1024, "steps": steps or 25, "min_guidance_scale": 1.0,
                "max_guidance_scale": 3.0, "fps": 7, "motion_bucket_id": 127, "noise_aug_strength": 0.02, "decode_chunk_size": frames}
    return {"unet": unet, "image_encoder": pipe.image_encoder.config.to_dict(), "vae": dict(pipe.vae.config), "pipeline": pipeline}


def models_of(kind, pipe):
    names = ["unet", "text_encoder", "vae"] if kind == "animatediff" else ["unet", "image_encoder", "vae"]
    return {name: getattr(pipe, name).eval() for name in names}


def in_dtype(call, dtype):
    """`call` with floating inputs cast to the weights' dtype and the output back to float32: the graph keeps
    float32 inputs and outputs (what lightbench feeds) around float16 weights and arithmetic."""
    if dtype == torch.float32:
        return call

    def cast(model, *args):
        return call(model, *[a.to(dtype) if a.is_floating_point() else a for a in args]).float()

    return cast


def complete_manifest(document, kind, folder, out, scheduler_class=None):
    """The folder's own scheduler config and tokenizer, copied beside the manifest and named by it."""
    folder, out = Path(folder), Path(out)
    (out / "scheduler").mkdir(parents=True, exist_ok=True)
    scheduler = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    if scheduler_class:
        scheduler["_class_name"] = scheduler_class
    (out / "scheduler" / "scheduler_config.json").write_text(json.dumps(scheduler, indent=2) + "\n")
    document["scheduler"] = "scheduler/scheduler_config.json"
    document.pop("sourceScheduler", None)
    document["description"] = f"{document['description'].split(' exported from diffusers')[0]} exported from the diffusers folder {folder.name} with its own weights and scheduler"
    if kind == "animatediff":
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(folder / "tokenizer", local_files_only=True)
        tokenizer.save_pretrained(out / "tokenizer")
        if not (out / "tokenizer" / "tokenizer.json").is_file():
            raise Refused(folder, "its tokenizer could not be saved as tokenizer.json (a fast tokenizer), which lightbench reads")
        document["textEncoder"]["tokenizer"] = "tokenizer/tokenizer.json"
    return document

