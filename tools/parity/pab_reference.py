"""diffusers' Pyramid Attention Broadcast on an exported Wan fixture: the reference for lightbench's `pab`.

    python tools/parity/pab_reference.py --fixture test/fixtures/user-models/wan-tiny --out DIR \\
        [--steps 8] [--spatial-block-skip-range 3] [--spatial-timestep-skip-range 100,960] \\
        [--cross-block-skip-range 2] [--cross-timestep-skip-range 100,800]

Rebuilds the fixture's torch models from export-info.json, runs diffusers' WanPipeline from the prompt embeddings
and initial noise recorded beside the fixture (reference/), once plain and once with
`apply_pyramid_attention_broadcast(transformer, PyramidAttentionBroadcastConfig(...))` (diffusers.hooks), the
current timestep taken from the pipeline. A block skip range of "none" leaves that kind unhooked. Every attention
module of a kind keeps its own counter and output, advanced once per transformer call (WanPipeline calls the model
for the prompt, then the negative prompt, both advancing the same counters); the decision of block 0's module of
each kind is recorded before it runs (all modules of a kind decide alike). Writes DIR/reference.json with, per
step and call (in lightbench's batch order: negative, prompt), each kind's counter, whether the timestep lay in its
range and whether it computed, plus both videos. Prints one JSON line: versions and where it wrote.
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))
sys.path.insert(0, str(HERE))

from diffusers import PyramidAttentionBroadcastConfig, apply_pyramid_attention_broadcast  # noqa: E402
from diffusers.hooks import HookRegistry  # noqa: E402
from diffusers.hooks.pyramid_attention_broadcast import _PYRAMID_ATTENTION_BROADCAST_HOOK  # noqa: E402

from reference_run import run_with_steps  # noqa: E402
from wan_fixture_pipeline import save_cached_reference, wan_fixture_pipeline  # noqa: E402

CALL_ORDER = ["prompt", "negative"]  # WanPipeline's calls within a step ("cond", then "uncond")
BATCH_ORDER = ["negative", "prompt"]  # lightbench's rows of the guided batch


def skip_range(text):
    return None if text == "none" else int(text)


def timestep_range(text):
    low, high = (float(v) for v in text.split(","))
    return (low, high)


def record_decisions(transformer, kinds):
    """Reads each kind's hook state on block 0 before its module runs: counter, range, and the hook's own rule."""
    log = []
    for kind, module in kinds.items():
        hook = HookRegistry.check_if_exists_or_initialize(module).get_hook(_PYRAMID_ATTENTION_BROADCAST_HOOK)
        if hook is None:
            raise SystemExit(f"block 0's {kind} attention got no Pyramid Attention Broadcast hook")

        def before(_module, _args, _kwargs=None, hook=hook, kind=kind):
            t = float(hook.current_timestep_callback())
            low, high = hook.timestep_skip_range
            iteration = hook.state.iteration
            in_range = low < t < high
            computed = hook.state.cache is None or iteration == 0 or not in_range or iteration % hook.block_skip_range == 0
            log.append({"kind": kind, "computed": bool(computed), "iteration": iteration, "inTimestepRange": bool(in_range)})

        module.register_forward_pre_hook(before)
    return log


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, type=Path, help="an exported Wan fixture with export-info.json and reference/")
    parser.add_argument("--out", required=True, type=Path, help="folder to write reference.json and the videos into")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--spatial-block-skip-range", type=skip_range, default=3)
    parser.add_argument("--spatial-timestep-skip-range", type=timestep_range, default=(100, 960))
    parser.add_argument("--cross-block-skip-range", type=skip_range, default=2)
    parser.add_argument("--cross-timestep-skip-range", type=timestep_range, default=(100, 800))
    args = parser.parse_args()
    started = time.time()
    pipe, call, noise, p = wan_fixture_pipeline(args.fixture, args.steps, "this reference runs WanPipeline")
    plain, _ = run_with_steps(pipe, **call, latents=noise.clone())
    config = PyramidAttentionBroadcastConfig(
        spatial_attention_block_skip_range=args.spatial_block_skip_range,
        spatial_attention_timestep_skip_range=args.spatial_timestep_skip_range,
        cross_attention_block_skip_range=args.cross_block_skip_range,
        cross_attention_timestep_skip_range=args.cross_timestep_skip_range,
        current_timestep_callback=lambda: pipe.current_timestep,
    )
    apply_pyramid_attention_broadcast(pipe.transformer, config)
    block = pipe.transformer.blocks[0]
    kinds = {**({"spatial": block.attn1} if args.spatial_block_skip_range is not None else {}), **({"cross": block.attn2} if args.cross_block_skip_range is not None else {})}
    log = record_decisions(pipe.transformer, kinds)
    broadcast, _ = run_with_steps(pipe, **call, latents=noise.clone())
    per_call = len(kinds)
    if len(log) != 2 * args.steps * per_call:
        raise SystemExit(f"expected {2 * args.steps * per_call} attention decisions in {args.steps} steps, recorded {len(log)}")
    calls = [{"call": CALL_ORDER[i % 2], "attention": log[i * per_call:(i + 1) * per_call]} for i in range(2 * args.steps)]
    steps = []
    for i in range(args.steps):
        pair = sorted(calls[2 * i:2 * i + 2], key=lambda c: BATCH_ORDER.index(c["call"]))
        steps.append([{"call": c["call"], "computed": all(a["computed"] for a in c["attention"]), "change": None, "attention": c["attention"]} for c in pair])
    save_cached_reference(args.out, pipe, p, "pab", "Pyramid Attention Broadcast", plain, broadcast, {
        "hook": "diffusers.hooks.pyramid_attention_broadcast (apply_pyramid_attention_broadcast)",
        "steps": args.steps,
        "config": {
            "spatialAttentionBlockSkipRange": args.spatial_block_skip_range,
            "spatialAttentionTimestepSkipRange": list(args.spatial_timestep_skip_range),
            "crossAttentionBlockSkipRange": args.cross_block_skip_range,
            "crossAttentionTimestepSkipRange": list(args.cross_timestep_skip_range),
        },
        "decisions": steps,
    }, started)


if __name__ == "__main__":
    main()
