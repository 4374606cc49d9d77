"""Runs the PyTorch reference of an exported fixture now, into another folder, for lightbench's parity check.

    python tools/parity/run_pytorch_reference.py --fixture test/fixtures/user-models/svd-tiny --out /tmp/ref

The torch models are rebuilt from the fixture's export-info.json (configs and seed) exactly as the exporter builds
them before exporting, so they carry the weights of the ONNX graphs; then tools/export/reference_run.py runs the
plain diffusers pipeline and DeepCache's own DeepCacheSDHelper from the same seeded inputs, and writes the tensor
store (reference.json and raw tensors) into --out/reference. Prints one JSON line: versions and where it wrote.
"""

import argparse
import json
import sys
import time
from pathlib import Path

EXPORT_TOOLS = Path(__file__).resolve().parent.parent / "export"
sys.path.insert(0, str(EXPORT_TOOLS))

import torch  # noqa: E402

from build_models import build, randomise_norms  # noqa: E402
from reference_run import record  # noqa: E402


def build_dit(config, seed):
    """A diffusion-transformer fixture's pipeline name and torch models: the exporter's configuration the recorded config equals."""
    from dit_configs import DIT_CONFIGS
    from export_dit import pipeline_module

    matches = [pipeline for (pipeline, _scale), known in DIT_CONFIGS.items() if json.loads(json.dumps(known)) == config]
    if not matches:
        raise SystemExit("export-info.json: its config is none of tools/export/dit_configs.py's; re-export the fixture")
    pipeline = matches[0]
    models = pipeline_module(pipeline).build(config, seed)
    randomise_norms(models, seed)
    return pipeline, models


def record_dit(config, seed, folder):
    from dit_reference_run import record as record_dit_run

    pipeline, models = build_dit(config, seed)
    record_dit_run(pipeline, models, config, folder, seed)
    return pipeline


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, type=Path, help="an export folder with export-info.json")
    parser.add_argument("--out", required=True, type=Path, help="folder to write reference/ into")
    args = parser.parse_args()
    info = json.loads((args.fixture / "export-info.json").read_text())
    config, seed = info["config"], info["seed"]
    started = time.time()
    if "transformer" in config:
        kind = record_dit(config, seed, args.out / "reference")
    else:
        kind = "svd" if "image_encoder" in config else "animatediff"
        models = build(kind, config, seed)
        randomise_norms(models, seed)
        record(kind, models, config, args.out / "reference", seed)
    import diffusers

    print(json.dumps({"torch": torch.__version__, "diffusers": diffusers.__version__, "pipeline": kind, "seconds": round(time.time() - started, 1), "reference": str(args.out / "reference")}))


if __name__ == "__main__":
    main()
