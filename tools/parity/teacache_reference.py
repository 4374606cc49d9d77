"""TeaCache on diffusers' Wan transformer: the reference for lightbench's `teacache` on an exported Wan fixture.

    python tools/parity/teacache_reference.py --fixture test/fixtures/user-models/wan-tiny --out DIR \\
        [--steps 8] [--threshold 1200]

TeaCache's own Wan code (TeaCache4Wan2.1 in ali-vilab/TeaCache) patches the forward of the original Wan
repository's model, which is not diffusers'. This applies the same rule to diffusers' WanTransformer3DModel, as
written out in TeaCache4Wan2.1 without retention steps: per transformer call (WanPipeline calls the model for the
prompt, then the negative prompt; each keeps its own state), the relative L1 change of the time embedding (`temb`,
the original's `e`) since the previous call of that kind is rescaled by the manifest's polynomial
(numpy.poly1d) and accumulated; while the sum stays under the threshold the block stack is skipped and the
residual it added at its last run is added to its input, else it runs and the sum restarts at 0; the first and
the last step always run it. The models are rebuilt from export-info.json, the inputs are those recorded beside
the fixture (reference/). Writes DIR/reference.json with each step's decisions per call, and the plain and the
cached videos. Prints one JSON line: versions and where it wrote.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "export"))
sys.path.insert(0, str(HERE))


from reference_run import run_with_steps  # noqa: E402
from wan_fixture_pipeline import decisions_by_step, save_cached_reference, wan_fixture_pipeline  # noqa: E402

CALL_ORDER = ["prompt", "negative"]  # WanPipeline's calls within a step


class TeaCacheOnWan:
    def __init__(self, transformer, coefficients, threshold, steps):
        self.rescale = np.poly1d(coefficients)
        self.threshold, self.steps = threshold, steps
        self.calls = 0
        self.state = {name: {"previous": None, "accumulated": 0.0, "residual": None} for name in CALL_ORDER}
        self.decisions = []  # per call, in call order
        self.blocks = transformer.blocks
        self.hooks = [transformer.condition_embedder.register_forward_hook(self._decide)]
        self.originals = [block.forward for block in self.blocks]
        self.blocks[0].forward = self._first_block
        for index in range(1, len(self.blocks)):
            self.blocks[index].forward = self._later_block(index)

    def _decide(self, _module, _args, output):
        temb = output[0]
        step, name = divmod(self.calls, 2)
        name = CALL_ORDER[name]
        state = self.state[name]
        change = None
        if state["previous"] is not None:
            relative = ((temb - state["previous"]).abs().mean() / state["previous"].abs().mean()).item()
            change = float(self.rescale(relative))
        state["previous"] = temb.clone()
        decision = {"call": name, "computed": True, "change": change}
        if change is None or step == 0 or step >= self.steps - 1:
            state["accumulated"] = 0.0
        else:
            accumulated = state["accumulated"] + change
            decision.update(computed=not accumulated < self.threshold, accumulated=accumulated)
            state["accumulated"] = 0.0 if decision["computed"] else accumulated
        self.decisions.append(decision)
        self.current = (state, decision["computed"])
        self.calls += 1

    def _first_block(self, hidden_states, *rest):
        state, computed = self.current
        if not computed:
            return hidden_states + state["residual"]
        self.stack_input = hidden_states
        out = self.originals[0](hidden_states, *rest)
        return self._ended(out) if len(self.blocks) == 1 else out

    def _later_block(self, index):
        def forward(hidden_states, *rest):
            state, computed = self.current
            if not computed:
                return hidden_states
            out = self.originals[index](hidden_states, *rest)
            return self._ended(out) if index == len(self.blocks) - 1 else out

        return forward

    def _ended(self, out):
        self.current[0]["residual"] = out - self.stack_input
        return out

    def remove(self):
        for hook in self.hooks:
            hook.remove()
        for block in self.blocks:
            del block.forward


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixture", required=True, type=Path, help="an exported Wan fixture with export-info.json, manifest.json (denoiser.teaCache) and reference/")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=1200.0)
    args = parser.parse_args()
    coefficients = json.loads((args.fixture / "manifest.json").read_text())["denoiser"]["teaCache"]["coefficients"]
    started = time.time()
    pipe, call, noise, p = wan_fixture_pipeline(args.fixture, args.steps, "this TeaCache reference follows TeaCache4Wan2.1 and runs on Wan fixtures only")
    plain, _ = run_with_steps(pipe, **call, latents=noise.clone())
    tea = TeaCacheOnWan(pipe.transformer, coefficients, args.threshold, args.steps)
    try:
        cached, _ = run_with_steps(pipe, **call, latents=noise.clone())
    finally:
        tea.remove()
    steps = decisions_by_step(tea.decisions, args.steps)
    save_cached_reference(args.out, pipe, p, "teacache", "TeaCache", plain, cached, {
        "rule": "TeaCache4Wan2.1 without retention steps, applied to diffusers' WanTransformer3DModel (tools/parity/teacache_reference.py)",
        "steps": args.steps,
        "threshold": args.threshold,
        "coefficients": coefficients,
        "decisions": steps,
    }, started)


if __name__ == "__main__":
    main()
