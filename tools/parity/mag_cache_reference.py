"""diffusers' MagCache on an exported Wan fixture: the reference for lightbench's `mag-cache`.

    python tools/parity/mag_cache_reference.py --fixture test/fixtures/user-models/wan-tiny --out DIR \\
        [--steps 8] [--threshold 0.06] [--max-skip-steps 3] [--retention-ratio 0.2]

Rebuilds the fixture's torch models from export-info.json (the weights of its ONNX graphs) and runs diffusers'
WanPipeline from the prompt embeddings and initial noise recorded beside the fixture (reference/) three times:
plain; with `transformer.enable_cache(MagCacheConfig(calibrate=True))`, keeping the magnitude ratios each cache
context (the prompt's call, the negative prompt's call) calibrates; and with MagCacheConfig(mag_ratios=the prompt
call's ratios, threshold, max_skip_steps, retention_ratio). Writes DIR/reference.json with both calls' calibrated
ratios, per step and per call whether the block stack was computed, the step's magnitude ratio and the accumulated
ratio, error and step count that decided it, plus the plain and cached videos as raw tensors. Prints one JSON line.
"""

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))
sys.path.insert(0, str(HERE))

import torch  # noqa: E402
from diffusers.hooks import HookRegistry, MagCacheConfig  # noqa: E402
from diffusers.hooks.mag_cache import _MAG_CACHE_BLOCK_HOOK, _MAG_CACHE_LEADER_BLOCK_HOOK  # noqa: E402

from reference_run import run_with_steps  # noqa: E402
from wan_fixture_pipeline import CALLS, decisions_by_step, save_cached_reference, wan_fixture_pipeline  # noqa: E402

def record_calibration(transformer):
    """Keeps each context's calibration ratios as the tail hook appends them (the hook clears them at the end)."""
    tail = HookRegistry.check_if_exists_or_initialize(transformer.blocks[-1]).get_hook(_MAG_CACHE_BLOCK_HOOK)
    measure = tail._perform_calibration_step
    ratios = {}

    def recording(state, residual):
        measure(state, residual)
        ratios[CALLS[tail.state_manager.context.name]] = list(state.calibration_ratios)

    tail._perform_calibration_step = recording
    return ratios


def record_decisions(transformer, config):
    """Wraps the head hook so each call's outcome, its step's ratio and the accumulators that decided it are kept."""
    head = HookRegistry.check_if_exists_or_initialize(transformer.blocks[0]).get_hook(_MAG_CACHE_LEADER_BLOCK_HOOK)
    # The registry calls the hook through fn_ref.forward (its new_forward bound to the block), read at call time.
    forward = head.fn_ref.forward
    retention = int(config.retention_ratio * config.num_inference_steps + 0.5)
    calls = []

    def recording(*args, **kwargs):
        state = head.state_manager.get_state()
        # The hook multiplies and adds in place once its accumulators are tensors: keep copies of what it starts from.
        keep = lambda x: x.clone() if torch.is_tensor(x) else x  # noqa: E731
        step, ratio, err, steps = state.step_index, keep(state.accumulated_ratio), keep(state.accumulated_err), state.accumulated_steps
        result = forward(*args, **kwargs)
        scale = config.mag_ratios[step]
        entry = {"call": CALLS[head.state_manager.context.name], "computed": bool(state.should_compute), "change": float(scale)}
        if step >= retention:
            # The same expressions as the hook's, on the values it started from, before a computing step resets them.
            ratio = ratio * scale
            err = err + abs(1.0 - ratio)
            entry.update({"accumulated": float(err), "accumulatedRatio": float(ratio), "skipSteps": int(steps + 1)})
        calls.append(entry)
        return result

    head.fn_ref.forward = recording
    return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, type=Path, help="an exported Wan fixture with export-info.json and reference/")
    parser.add_argument("--out", required=True, type=Path, help="folder to write reference.json and the videos into")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=MagCacheConfig.threshold)
    parser.add_argument("--max-skip-steps", type=int, default=MagCacheConfig.max_skip_steps)
    parser.add_argument("--retention-ratio", type=float, default=MagCacheConfig.retention_ratio)
    args = parser.parse_args()
    started = time.time()
    pipe, call, noise, p = wan_fixture_pipeline(args.fixture, args.steps, "diffusers registers no block metadata for its transformer blocks, so MagCache applies to Wan fixtures only")
    plain, _ = run_with_steps(pipe, **call, latents=noise.clone())

    pipe.transformer.enable_cache(MagCacheConfig(calibrate=True, num_inference_steps=args.steps))
    calibration = record_calibration(pipe.transformer)
    calibrated, _ = run_with_steps(pipe, **call, latents=noise.clone())
    pipe.transformer.disable_cache()
    if sorted(calibration) != ["negative", "prompt"] or any(len(r) != args.steps for r in calibration.values()):
        raise SystemExit(f"expected {args.steps} calibration ratios per call, got {calibration}")

    config = MagCacheConfig(mag_ratios=calibration["prompt"], threshold=args.threshold, max_skip_steps=args.max_skip_steps,
                            retention_ratio=args.retention_ratio, num_inference_steps=args.steps)
    pipe.transformer.enable_cache(config)
    calls = record_decisions(pipe.transformer, config)
    cached, _ = run_with_steps(pipe, **call, latents=noise.clone())
    steps = decisions_by_step(calls, args.steps)
    save_cached_reference(args.out, pipe, p, "mag_cache", "MagCache", plain, cached, {
        "hook": "diffusers.hooks.mag_cache (transformer.enable_cache with MagCacheConfig)",
        "steps": args.steps,
        "threshold": args.threshold,
        "maxSkipSteps": args.max_skip_steps,
        "retentionRatio": args.retention_ratio,
        "calibratedRatios": calibration,
        "magRatios": calibration["prompt"],
        "decisions": steps,
        "calibrationMaxAbsDifferenceFromBaseline": float((calibrated - plain).abs().max()),
    }, started)


if __name__ == "__main__":
    main()
