"""Wan 2.1 text-to-video for the exporter: the models from a config dict, the graphs to export, and the VAE decoder
split into per-latent-frame calls that carry its causal cache, as diffusers' AutoencoderKLWan decodes."""

from pathlib import Path

import onnx
import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel
from transformers import UMT5Config, UMT5EncoderModel

from causal_frames import cache_names, chain_frames
from dit_configs import WAN_T2V_1_3B_TEACACHE, WAN_UNIPC
from dit_graph import module_output

GUIDANCE_BATCH = 2
TEACACHE_SCOPE = "condition_embedder.time_embedder"
# lightbench's scheduler config (pipelines/schedulers/flow-scheduler-config.ts) for Wan's diffusers scheduler.
WAN_SCHEDULER = {
    "kind": "unipc", "numTrainTimesteps": WAN_UNIPC["num_train_timesteps"], "predictionType": "flow_prediction",
    "flowShift": WAN_UNIPC["flow_shift"], "solverOrder": WAN_UNIPC["solver_order"], "solverType": WAN_UNIPC["solver_type"],
    "lowerOrderFinal": WAN_UNIPC["lower_order_final"], "disableCorrector": WAN_UNIPC["disable_corrector"],
}


def build_wan(config, seed):
    torch.manual_seed(seed)
    transformer = WanTransformer3DModel(**{**config["transformer"], "patch_size": tuple(config["transformer"]["patch_size"])})
    text_encoder = UMT5EncoderModel(UMT5Config(**config["text_encoder"]))
    vae = AutoencoderKLWan(**config["vae"])
    return {"transformer": transformer.eval(), "text_encoder": text_encoder.eval(), "vae": vae.eval()}


def latent_dims(config):
    """(channels, frames, height, width) of the latents: time compressed by 4 after the first frame, space by 8."""
    p = config["pipeline"]
    temporal = 2 ** sum(config["vae"]["temperal_downsample"])
    spatial = 2 ** len(config["vae"]["temperal_downsample"])
    return config["vae"]["z_dim"], (p["frames"] - 1) // temporal + 1, p["height"] // spatial, p["width"] // spatial


def decoder_cache_size(vae):
    """How many causal-conv cache slots the decoder uses (diffusers counts them the same way)."""
    vae.clear_cache()
    return vae._conv_num


def run_decoder_frame(vae, z_frame, cache, first):
    """One latent frame through post_quant_conv and the decoder, updating `cache` in place (diffusers' _decode body)."""
    x = vae.post_quant_conv(z_frame)
    if first:
        out = vae.decoder(x, feat_cache=cache, feat_idx=[0], first_chunk=True)
    else:
        out = vae.decoder(x, feat_cache=cache, feat_idx=[0])
    return torch.clamp(out, min=-1.0, max=1.0)


def cache_layout(vae, latent_frame_shape):
    """The cache slots the decoder uses: their shapes after the second frame, which every later frame keeps (2
    frames per slot, CACHE_T), and which slots the first frame leaves empty (the time upsamplers', marked "Rep").
    diffusers counts every causal conv of the decoder; the ones without temporal padding never fill their slot,
    and they come last."""
    count = decoder_cache_size(vae)
    cache = [None] * count
    z = torch.zeros(latent_frame_shape)
    with torch.no_grad():
        run_decoder_frame(vae, z, cache, first=True)
        empty = [i for i, entry in enumerate(cache) if isinstance(entry, str)]
        run_decoder_frame(vae, z, cache, first=False)
    used = [entry for entry in cache if entry is not None]
    if any(entry is None for entry in cache[: len(used)]):
        raise RuntimeError("the decoder's used cache slots are not the first ones; the per-frame export assumes they are")
    return [tuple(entry.shape) for entry in used], empty


def to_steady(entry, shape):
    """The first frame leaves one-frame slots; a two-frame slot with a zero frame in front is the same, since the
    causal convolutions pad with zeros exactly where a shorter cache leaves room. Padded with a Pad node, so the
    graph holds no zero tensors."""
    missing = shape[2] - entry.shape[2]
    return entry if missing == 0 else torch.nn.functional.pad(entry, (0, 0, 0, 0, missing, 0))


class FirstFrameDecoder(torch.nn.Module):
    """Latent frame 0 → its video frame and the causal cache slots it fills (two frames each). The slots of the
    time upsamplers, which have not run yet, are left out: they start as zeros, which is what the upsampler's
    first time convolution pads with."""

    def __init__(self, vae, cache_shapes, empty_slots):
        super().__init__()
        self.vae = vae
        self.cache_shapes = cache_shapes
        self.empty_slots = set(empty_slots)

    def forward(self, z_frame):
        cache = [None] * decoder_cache_size(self.vae)
        frames = run_decoder_frame(self.vae, z_frame, cache, first=True)
        filled = [to_steady(entry, shape) for i, (entry, shape) in enumerate(zip(cache, self.cache_shapes)) if i not in self.empty_slots]
        return (frames, *filled)


class NextFrameDecoder(torch.nn.Module):
    """Latent frame i > 0 and the cache → its 4 video frames and the updated cache."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z_frame, *cache_in):
        cache = list(cache_in) + [None] * (decoder_cache_size(self.vae) - len(cache_in))
        frames = run_decoder_frame(self.vae, z_frame, cache, first=False)
        return (frames, *cache[: len(cache_in)])


def decode_frame_by_frame(vae, latents, cache_shapes, empty_slots):
    """The per-frame graphs' computation chained in PyTorch as a caller chains the graphs (empty slots start as
    zeros): equals vae.decode(latents) (the exporter records the difference)."""

    def start(filled):
        filled = iter(filled)
        return [torch.zeros(shape) if i in empty_slots else next(filled) for i, shape in enumerate(cache_shapes)]

    return chain_frames(FirstFrameDecoder(vae, cache_shapes, empty_slots), NextFrameDecoder(vae), latents, start)


def wan_components(models, config, meta=False):
    """(file, module, call, example args, input names, output names, dynamic shapes) per graph."""
    channels, frames, h, w = latent_dims(config)
    p = config["pipeline"]
    device = "meta" if meta else "cpu"
    length = p["max_sequence_length"]
    text_dim = config["transformer"]["text_dim"]
    vae = models["vae"]
    components = [
        ("text_encoder.onnx", models["text_encoder"], lambda m, ids, mask: m(input_ids=ids, attention_mask=mask).last_hidden_state,
         (torch.zeros((1, length), dtype=torch.int64, device=device), torch.ones((1, length), dtype=torch.int64, device=device)),
         ["input_ids", "attention_mask"], ["last_hidden_state"], None),
        ("transformer.onnx", models["transformer"],
         lambda m, x, t, c: m(hidden_states=x, timestep=t, encoder_hidden_states=c, return_dict=False)[0],
         (torch.randn((GUIDANCE_BATCH, channels, frames, h, w), device=device), torch.tensor([999.0] * GUIDANCE_BATCH, device=device),
          torch.randn((GUIDANCE_BATCH, length, text_dim), device=device)),
         ["hidden_states", "timestep", "encoder_hidden_states"], ["out_sample"], None),
        ("vae_decoder.onnx", vae, lambda m, z: m.decode(z, return_dict=False)[0],
         (torch.randn((1, channels, frames, h, w), device=device),), ["latent_sample"], ["sample"], None),
    ]
    if meta:
        return components
    cache_shapes, empty_slots = cache_layout(vae, (1, channels, 1, h, w))
    count = len(cache_shapes)
    filled_names = [name for i, name in enumerate(cache_names(count, "out")) if i not in empty_slots]
    components += [
        ("vae_decoder_first_frame.onnx", FirstFrameDecoder(vae, cache_shapes, empty_slots), lambda m, z: m(z),
         (torch.randn((1, channels, 1, h, w)),), ["latent_frame"], ["sample", *filled_names], None),
        ("vae_decoder_next_frame.onnx", NextFrameDecoder(vae), lambda m, z, *cache: m(z, *cache),
         (torch.randn((1, channels, 1, h, w)), *[torch.randn(s) for s in cache_shapes]),
         ["latent_frame", *cache_names(count, "in")], ["sample", *cache_names(count, "out")], None),
    ]
    return components


# What the exporter and the manifest need from this module under common names.
BLOCK_SCOPE = "blocks"
build = build_wan
components = wan_components


def stream_tokens(config):
    """Wan's blocks carry the image tokens only; the text states enter every block's cross-attention unchanged."""
    _channels, frames, h, w = latent_dims(config)
    p_t, p_h, p_w = config["transformer"]["patch_size"]
    return {"image": (frames // p_t) * (h // p_h) * (w // p_w)}


def manifest_sections(config, folder):
    """The Wan-specific parts of the manifest; the cache tensors are read from the exported next-frame graph."""
    channels, frames, h, w = latent_dims(config)
    p = config["pipeline"]
    next_frame = onnx.load(str(Path(folder) / "vae_decoder_next_frame.onnx"), load_external_data=False)
    cache_count = sum(1 for i in next_frame.graph.input if i.name.startswith("cache_in_"))
    first_frame = onnx.load(str(Path(folder) / "vae_decoder_first_frame.onnx"), load_external_data=False)
    filled = {o.name for o in first_frame.graph.output}
    # Per slot, the first frame's output that starts it, or None where the slot starts as zeros.
    first_outputs = [name if name in filled else None for name in cache_names(cache_count, "out")]
    return {
        "description": "Wan 2.1 text-to-video (WanTransformer3DModel + UMT5 text encoder + AutoencoderKLWan) exported from diffusers with random weights",
        "textEncoder": {
            "file": "text_encoder.onnx",
            "inputs": {"inputIds": "input_ids", "attentionMask": "attention_mask"},
            "outputs": {"hiddenStates": "last_hidden_state"},
            "vocabSize": config["text_encoder"]["vocab_size"],
            "maxSequenceLength": p["max_sequence_length"],
            # WanPipeline keeps the states of the prompt's tokens and zeroes the rest.
            "statesPastPrompt": "zero",
        },
        "denoiser": {
            "file": "transformer.onnx",
            "inputs": {"sample": "hidden_states", "timestep": "timestep", "encoderHiddenStates": "encoder_hidden_states"},
            "outputs": {"noisePred": "out_sample"},
            "architecture": {
                "patchSize": list(config["transformer"]["patch_size"]),
                "rotaryEmbedding": "3d",
                "timestepModulation": "per-block",
                "textConditioning": "cross-attention",
            },
            # The pipeline calls the model once for the prompt and once for the negative prompt; the graph takes both.
            "guidanceCalls": "separate",
            # TeaCache4Wan2.1 measures the time embedding (`e`, diffusers' temb) that every block's modulation comes from.
            "teaCache": {
                "modulatedInput": module_output(Path(folder) / "transformer.onnx", TEACACHE_SCOPE),
                "coefficients": WAN_T2V_1_3B_TEACACHE,
                "coefficientsSource": "TeaCache4Wan2.1 (ali-vilab/TeaCache), Wan2.1 T2V 1.3B, without retention steps",
            },
        },
        "vaeDecoder": {
            "file": "vae_decoder.onnx",
            "inputs": {"latents": "latent_sample"},
            "outputs": {"sample": "sample"},
            "framesPerCall": None,
            "causalFrames": {
                "temporalCompression": 2 ** sum(config["vae"]["temperal_downsample"]),
                "firstFrame": {"file": "vae_decoder_first_frame.onnx", "inputs": {"latents": "latent_frame"}, "outputs": {"sample": "sample"},
                               "cacheOutputs": first_outputs},
                "nextFrame": {"file": "vae_decoder_next_frame.onnx", "inputs": {"latents": "latent_frame"}, "outputs": {"sample": "sample"},
                              "cacheInputs": cache_names(cache_count, "in"), "cacheOutputs": cache_names(cache_count, "out")},
            },
        },
        "latent": {"channels": channels, "height": h, "width": w, "frames": frames,
                   "channelMean": config["vae"].get("latents_mean"), "channelStd": config["vae"].get("latents_std")},
        "scheduler": WAN_SCHEDULER,
        "sourceScheduler": {"className": "UniPCMultistepScheduler", "config": WAN_UNIPC},
    }
