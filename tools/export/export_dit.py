"""Exports the diffusion-transformer video pipelines (diffusers' WanPipeline, EasyAnimatePipeline) to ONNX with a
lightbench model manifest; export_diffusers.py's `--pipeline wan|easyanimate` runs this."""

import json
import os
import time
from pathlib import Path

import torch

from build_models import parameter_count, randomise_norms
from dit_configs import DIT_CONFIGS
from dit_graph import block_boundaries
from dit_manifest import dit_manifest
from onnx_export import export, files_of

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = REPO_ROOT / "schemas" / "model-manifest.schema.json"


def log(message):
    print(message, flush=True)


def pipeline_module(pipeline):
    if pipeline == "wan":
        import wan_models as module
    else:
        import easyanimate_models as module
    return module


def dry_run(pipeline, scale, seed):
    """Every model built on the meta device and each graph's call run on meta tensors: configs, shapes and parameter
    counts of the full-size models without allocating their weights."""
    config = DIT_CONFIGS[(pipeline, scale)]
    module = pipeline_module(pipeline)
    with torch.device("meta"):
        models = module.build(config, seed)
    report = {}
    for file_name, model, call, args, _inputs, outputs, _dynamic in module.components(models, config, meta=True):
        report[file_name] = {"parameters": parameter_count(model), "inputShapes": [list(a.shape) for a in args]}
        try:
            with torch.no_grad(), torch.device("meta"):
                out = call(model, *args)
            out = out[0] if isinstance(out, tuple) else out
            report[file_name][f"{outputs[0]}Shape"] = list(out.shape)
        except RuntimeError as error:
            # The transformers text encoders read mask values (.item()), which meta tensors do not have.
            if "meta" not in str(error):
                raise
            report[file_name][f"{outputs[0]}Shape"] = "not computed: the model reads tensor values, which the meta device lacks"
        log(f"{pipeline}/{scale} {file_name}: {report[file_name]}")
    return report


def export_dit_pipeline(pipeline, scale, out, seed, exporter, reference):
    config = DIT_CONFIGS[(pipeline, scale)]
    module = pipeline_module(pipeline)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    models = module.build(config, seed)
    randomise_norms(models, seed)
    import diffusers, onnx, transformers  # noqa: E401

    summary = {"torch": torch.__version__, "diffusers": diffusers.__version__, "transformers": transformers.__version__,
               "onnx": onnx.__version__, "exporter": exporter, "seed": seed, "files": {}}
    for file_name, model, call, args, inputs, outputs, dynamic in module.components(models, config):
        started = time.time()
        ir, opset = export(model, call, args, out / file_name, inputs, outputs, exporter=exporter, dynamic_shapes=dynamic)
        names, size = files_of(out / file_name)
        summary["files"][file_name] = {"irVersion": ir, "opset": opset, "bytes": size, "files": names, "parameters": parameter_count(model)}
        log(f"{pipeline}/{scale} {file_name}: IR {ir}, opset {opset}, {size / 1e6:.2f} MB, {time.time() - started:.0f} s")
    blocks = block_boundaries(out / "transformer.onnx", module.BLOCK_SCOPE, module.stream_tokens(config))
    document = dit_manifest(f"{pipeline}-{scale}", config, blocks, module, out)
    document["$schema"] = os.path.relpath(SCHEMA, out.resolve())
    (out / "manifest.json").write_text(json.dumps(document, indent=2) + "\n")
    (out / "export-info.json").write_text(json.dumps({**summary, "config": config}, indent=2, default=str) + "\n")
    log(f"wrote {out / 'manifest.json'} ({blocks['count']} transformer blocks, streams {blocks['streams']})")
    if reference:
        from dit_reference_run import record

        started = time.time()
        record(pipeline, models, config, out / "reference", seed)
        log(f"{pipeline}/{scale} reference outputs: {time.time() - started:.0f} s")
