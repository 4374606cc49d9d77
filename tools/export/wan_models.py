"""Wan 2.1 text-to-video for the exporter: the models from a config dict, the graphs to export, and the VAE decoder
split into per-latent-frame calls that carry its causal cache, as diffusers' AutoencoderKLWan decodes."""

import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel
from transformers import UMT5Config, UMT5EncoderModel

GUIDANCE_BATCH = 2


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


def steady_cache_shapes(vae, latent_frame_shape):
    """Shapes of the cache slots the decoder uses, after the second frame, which every later frame keeps (2 frames
    per slot, CACHE_T). diffusers counts every causal conv of the decoder; the ones without temporal padding never
    fill their slot, and they come last."""
    cache = [None] * decoder_cache_size(vae)
    z = torch.zeros(latent_frame_shape)
    with torch.no_grad():
        run_decoder_frame(vae, z, cache, first=True)
        run_decoder_frame(vae, z, cache, first=False)
    used = [entry for entry in cache if entry is not None]
    if any(entry is None for entry in cache[: len(used)]):
        raise RuntimeError("the decoder's used cache slots are not the first ones; the per-frame export assumes they are")
    return [tuple(entry.shape) for entry in used]


def to_steady(entry, shape):
    """The first frame leaves one-frame slots, or the marker "Rep" where the time upsampler has not run yet. Both
    equal a two-frame slot with zeros in front: the causal convolutions pad with zeros exactly where a shorter cache
    leaves room, and the upsampler's first time convolution pads two zero frames."""
    if isinstance(entry, str):
        return torch.zeros(shape)
    missing = shape[2] - entry.shape[2]
    if missing == 0:
        return entry
    return torch.cat([torch.zeros((*entry.shape[:2], missing, *entry.shape[3:]), dtype=entry.dtype), entry], dim=2)


class FirstFrameDecoder(torch.nn.Module):
    """Latent frame 0 → its video frame and the causal cache (fixed two-frame slots)."""

    def __init__(self, vae, cache_shapes):
        super().__init__()
        self.vae = vae
        self.cache_shapes = cache_shapes

    def forward(self, z_frame):
        cache = [None] * decoder_cache_size(self.vae)
        frames = run_decoder_frame(self.vae, z_frame, cache, first=True)
        return (frames, *[to_steady(entry, shape) for entry, shape in zip(cache, self.cache_shapes)])


class NextFrameDecoder(torch.nn.Module):
    """Latent frame i > 0 and the cache → its 4 video frames and the updated cache."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z_frame, *cache_in):
        cache = list(cache_in) + [None] * (decoder_cache_size(self.vae) - len(cache_in))
        frames = run_decoder_frame(self.vae, z_frame, cache, first=False)
        return (frames, *cache[: len(cache_in)])


def decode_frame_by_frame(vae, latents, cache_shapes):
    """The per-frame graphs' computation chained in PyTorch: equals vae.decode(latents) (checked by the exporter)."""
    first = FirstFrameDecoder(vae, cache_shapes)
    following = NextFrameDecoder(vae)
    with torch.no_grad():
        frames, *cache = first(latents[:, :, :1])
        outputs = [frames]
        for i in range(1, latents.shape[2]):
            frames, *cache = following(latents[:, :, i : i + 1], *cache)
            outputs.append(frames)
    return torch.cat(outputs, dim=2)


def cache_names(count, direction):
    return [f"cache_{direction}_{i}" for i in range(count)]


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
    cache_shapes = steady_cache_shapes(vae, (1, channels, 1, h, w))
    count = len(cache_shapes)
    components += [
        ("vae_decoder_first_frame.onnx", FirstFrameDecoder(vae, cache_shapes), lambda m, z: m(z),
         (torch.randn((1, channels, 1, h, w)),), ["latent_frame"], ["sample", *cache_names(count, "out")], None),
        ("vae_decoder_next_frame.onnx", NextFrameDecoder(vae), lambda m, z, *cache: m(z, *cache),
         (torch.randn((1, channels, 1, h, w)), *[torch.randn(s) for s in cache_shapes]),
         ["latent_frame", *cache_names(count, "in")], ["sample", *cache_names(count, "out")], None),
    ]
    return components


# What the exporter and the manifest need from this module under common names.
BLOCK_SCOPE = "blocks"
build = build_wan
components = wan_components


def steady_cache_shapes_of_config(config):
    """The per-frame decoder's cache shapes for a config, from a throwaway VAE built from it."""
    channels, _frames, h, w = latent_dims(config)
    vae = AutoencoderKLWan(**config["vae"]).eval()
    return steady_cache_shapes(vae, (1, channels, 1, h, w))


def stream_tokens(config):
    """Wan's blocks carry the image tokens only; the text states enter every block's cross-attention unchanged."""
    _channels, frames, h, w = latent_dims(config)
    p_t, p_h, p_w = config["transformer"]["patch_size"]
    return {"image": (frames // p_t) * (h // p_h) * (w // p_w)}
