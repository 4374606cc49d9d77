"""diffusers' First Block Cache on an exported Wan fixture: the reference for lightbench's `first-block-cache`.

    python tools/parity/first_block_cache_reference.py --fixture test/fixtures/user-models/wan-tiny --out DIR \\
        [--steps 8] [--threshold 0.1]

Rebuilds the fixture's torch models from export-info.json (the weights of its ONNX graphs), runs diffusers'
WanPipeline from the prompt embeddings and initial noise recorded beside the fixture (reference/), once plain and
once with `transformer.enable_cache(FirstBlockCacheConfig(threshold))` (diffusers.hooks.first_block_cache), and writes DIR/reference.json
with, per step and per transformer call (WanPipeline calls the model for the prompt and for the negative prompt,
each in its own cache context), whether the remaining blocks were computed and the relative change of the first
block's residual that decided it, plus both videos as raw tensors. Prints one JSON line: versions and where it wrote.

EasyAnimatePipeline is not covered: diffusers 0.42.1 registers no block metadata for EasyAnimateTransformerBlock,
so the hook cannot be applied to it.
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))
sys.path.insert(0, str(HERE))

from diffusers.hooks import FirstBlockCacheConfig, HookRegistry  # noqa: E402
from diffusers.hooks.first_block_cache import _FBC_LEADER_BLOCK_HOOK  # noqa: E402

from reference_run import run_with_steps  # noqa: E402
from wan_fixture_pipeline import CALLS, decisions_by_step, save_cached_reference, wan_fixture_pipeline  # noqa: E402

def record_decisions(transformer):
    """Wraps the leader hook's decision so each call's relative change and outcome are kept, in call order."""
    hook = HookRegistry.check_if_exists_or_initialize(transformer.blocks[0]).get_hook(_FBC_LEADER_BLOCK_HOOK)
    decide = hook._should_compute_remaining_blocks
    calls = []

    def recording(residual):
        previous = hook.state_manager.get_state().head_block_residual
        change = None if previous is None else float((residual - previous).abs().mean() / previous.abs().mean())
        computed = decide(residual)
        calls.append({"call": CALLS[hook.state_manager.context.name], "computed": bool(computed), "change": change})
        return computed

    hook._should_compute_remaining_blocks = recording
    return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, type=Path, help="an exported Wan fixture with export-info.json and reference/")
    parser.add_argument("--out", required=True, type=Path, help="folder to write reference.json and the videos into")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=FirstBlockCacheConfig.threshold)
    args = parser.parse_args()
    started = time.time()
    pipe, call, noise, p = wan_fixture_pipeline(args.fixture, args.steps, "diffusers registers no block metadata for its transformer blocks, so FirstBlockCache applies to Wan fixtures only")
    plain, _ = run_with_steps(pipe, **call, latents=noise.clone())
    pipe.transformer.enable_cache(FirstBlockCacheConfig(threshold=args.threshold))
    calls = record_decisions(pipe.transformer)
    cached, _ = run_with_steps(pipe, **call, latents=noise.clone())
    steps = decisions_by_step(calls, args.steps)
    save_cached_reference(args.out, pipe, p, "first_block_cache", "FirstBlockCache", plain, cached, {
        "hook": "diffusers.hooks.first_block_cache (transformer.enable_cache)",
        "steps": args.steps,
        "threshold": args.threshold,
        "decisions": steps,
    }, started)


if __name__ == "__main__":
    main()
