"""Runs diffusers' WanTransformer3DModel on the weights of a built-in DiT preset and records what the graph builder's
transformer must reproduce: test/fixtures/wan-transformer-dit-tiny-reference.json.

    npx tsx tools/reference/write-dit-weights.ts /tmp/dit-weights
    /path/to/venv/bin/python tools/reference/wan_transformer_reference.py /tmp/dit-weights [output.json]

Inputs are drawn from a seeded torch generator; two videos with different timesteps check the per-video time
modulation. Recorded, as base64 of little-endian float32: the inputs, the output, and the rotary tables diffusers'
WanRotaryPosEmbed gives for the preset's token grid. Runs in float32 on CPU, as diffusers does by default.
"""

import base64
import json
import platform
import sys
from pathlib import Path

import diffusers
import numpy as np
import torch
from diffusers import WanTransformer3DModel

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "test" / "fixtures" / "wan-transformer-dit-tiny-reference.json"
INPUT_SEED = 1234
TIMESTEPS = [875.0, 312.5]


def encode(tensor):
    array = np.ascontiguousarray(tensor.detach().cpu().numpy().astype("<f4"))
    return {"shape": list(array.shape), "base64": base64.b64encode(array.tobytes()).decode("ascii")}


def load_weights(model, weights_dir, preset):
    index = json.loads((weights_dir / f"{preset}.weights.json").read_text())
    raw = (weights_dir / f"{preset}.weights.bin").read_bytes()
    state = {}
    for entry in index["weights"]:
        values = np.frombuffer(raw, dtype="<f4", count=entry["length"] // 4, offset=entry["offset"]).reshape(entry["shape"])
        tensor = torch.from_numpy(values.copy())
        # The graph builder stores linear weights [in, out]; torch.nn.Linear holds [out, in].
        if tensor.ndim == 2 and entry["name"].endswith(".weight"):
            tensor = tensor.T.contiguous()
        state[entry["name"]] = tensor
    # strict: every parameter of the model comes from the builder, and the builder has no weight the model lacks.
    model.load_state_dict(state, strict=True)
    return index


def main():
    weights_dir = Path(sys.argv[1])
    output = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_OUTPUT
    preset = "dit-tiny"
    index = json.loads((weights_dir / f"{preset}.weights.json").read_text())
    model = WanTransformer3DModel(**index["config"]).eval()
    load_weights(model, weights_dir, preset)

    generator = torch.Generator().manual_seed(INPUT_SEED)
    videos = len(TIMESTEPS)
    sample = torch.randn([videos, *index["shapes"]["sample"]], generator=generator)
    text = torch.randn([videos, index["shapes"]["textTokens"], index["config"]["text_dim"]], generator=generator)
    timestep = torch.tensor(TIMESTEPS, dtype=torch.float32)
    with torch.no_grad():
        noise = model(hidden_states=sample, timestep=timestep, encoder_hidden_states=text, return_dict=False)[0]
        rotary_cos, rotary_sin = model.rope(sample)

    fixture = {
        "generator": "tools/reference/wan_transformer_reference.py",
        "command": "npx tsx tools/reference/write-dit-weights.ts DIR && python tools/reference/wan_transformer_reference.py DIR",
        "versions": {"diffusers": diffusers.__version__, "torch": torch.__version__, "python": platform.python_version()},
        "class": type(model).__name__,
        "preset": preset,
        "weightSeed": index["seed"],
        "config": index["config"],
        "inputs": {"hidden_states": encode(sample), "timestep": encode(timestep), "encoder_hidden_states": encode(text)},
        "outputs": {"noise_pred": encode(noise)},
        # [1, tokens, 1, head_dim]: cos and sin of each pair's angle, repeated for both members of the pair.
        "rotary": {"cos": encode(rotary_cos), "sin": encode(rotary_sin)},
    }
    output.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {output}: noise_pred max |x| {noise.abs().max().item():.4f}")


if __name__ == "__main__":
    main()
