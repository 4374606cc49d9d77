"""EasyAnimate v5.1 text-to-video for the exporter: the models from a config dict, the graphs to export (the MagVIT
decoder also split into per-latent-frame calls that carry its causal cache), the manifest sections, and the PyTorch
reference run of EasyAnimatePipeline."""

from pathlib import Path

import onnx
import torch
from diffusers import AutoencoderKLMagvit, EasyAnimatePipeline, EasyAnimateTransformer3DModel, FlowMatchEulerDiscreteScheduler
from diffusers.models.autoencoders.autoencoder_kl_magvit import EasyAnimateCausalConv3d, EasyAnimateUpsampler3D
from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

from causal_frames import cache_names, chain_frames
from dit_configs import EASYANIMATE_FLOW_EULER

GUIDANCE_BATCH = 2
BLOCK_SCOPE = "transformer_blocks"
# lightbench's scheduler config (pipelines/schedulers/flow-scheduler-config.ts) for EasyAnimate's scheduler.
EASYANIMATE_SCHEDULER = {"kind": "flow-match-euler", "numTrainTimesteps": EASYANIMATE_FLOW_EULER["num_train_timesteps"],
                         "shift": EASYANIMATE_FLOW_EULER["shift"]}


def build(config, seed):
    torch.manual_seed(seed)
    transformer = EasyAnimateTransformer3DModel(**config["transformer"])
    text = config["text_encoder"]
    tokens = {k: text[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id")}
    qwen = Qwen2VLConfig(text_config={**text["text"], **tokens}, vision_config=text["vision"], **tokens, **text["text"])
    text_encoder = Qwen2VLForConditionalGeneration(qwen)
    vae = AutoencoderKLMagvit(**config["vae"])
    return {"transformer": transformer.eval(), "text_encoder": text_encoder.eval(), "vae": vae.eval()}


def latent_dims(config):
    """(channels, frames, height, width): MagVIT compresses time by 4 after the first frame and space by 8."""
    p = config["pipeline"]
    spatial = 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    temporal = 2 ** (len(config["vae"]["block_out_channels"]) - 2)
    return config["vae"]["latent_channels"], (p["frames"] - 1) // temporal + 1, p["height"] // spatial, p["width"] // spatial


def stream_tokens(config):
    """MM-DiT blocks carry two streams: the image tokens and the text tokens, each changed by every block."""
    _channels, frames, h, w = latent_dims(config)
    patch = config["transformer"]["patch_size"]
    return {"image": frames * (h // patch) * (w // patch), "text": config["pipeline"]["max_sequence_length"]}


def text_states(model, ids, mask):
    """What EasyAnimatePipeline takes from the text encoder: the hidden states of its second-to-last layer."""
    return model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[-2]


def causal_convs(vae):
    """The decoder's causal convolutions that keep frames between calls (temporal padding > 0), in module order."""
    return [m for m in vae.decoder.modules() if isinstance(m, EasyAnimateCausalConv3d) and m.temporal_padding > 0]


def time_upsamplers(vae):
    return [m for m in vae.decoder.modules() if isinstance(m, EasyAnimateUpsampler3D) and m.temporal_upsample]


class FirstFrameDecoder(torch.nn.Module):
    """Latent frame 0 → its video frame and each causal convolution's kept frames. MagVIT keeps this cache in module
    state (`prev_features`); the first call pads by repeating the frame, and its time upsamplers do not upsample."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z_frame):
        self.vae._clear_conv_cache()
        frames = self.vae.decoder(self.vae.post_quant_conv(z_frame))
        cache = [conv.prev_features for conv in causal_convs(self.vae)]
        self.vae._clear_conv_cache()
        return (frames, *cache)


class NextFrameDecoder(torch.nn.Module):
    """Latent frame i > 0 and the kept frames → its video frames and the updated cache, as AutoencoderKLMagvit's
    `_decode` runs its later calls (one latent frame each: num_latent_frames_batch_size is 1)."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, z_frame, *cache_in):
        self.vae._clear_conv_cache()
        for conv, kept in zip(causal_convs(self.vae), cache_in):
            conv.prev_features = kept
        # An upsampler only checks that it has run before; what it stored is never read.
        for upsampler in time_upsamplers(self.vae):
            upsampler.prev_features = z_frame
        frames = self.vae.decoder(self.vae.post_quant_conv(z_frame))
        cache = [conv.prev_features for conv in causal_convs(self.vae)]
        self.vae._clear_conv_cache()
        return (frames, *cache)


def cache_shapes(vae, latent_frame_shape):
    with torch.no_grad():
        _frames, *cache = FirstFrameDecoder(vae)(torch.zeros(latent_frame_shape))
    return [tuple(c.shape) for c in cache]


def decode_frame_by_frame(vae, latents):
    """The per-frame graphs' computation chained in PyTorch: equals vae.decode(latents) (recorded by the exporter)."""
    return chain_frames(FirstFrameDecoder(vae), NextFrameDecoder(vae), latents)


def components(models, config, meta=False):
    channels, frames, h, w = latent_dims(config)
    p = config["pipeline"]
    device = "meta" if meta else "cpu"
    length = p["max_sequence_length"]
    width = config["transformer"]["text_embed_dim"]
    graphs = [
        ("text_encoder.onnx", models["text_encoder"], text_states,
         (torch.zeros((1, length), dtype=torch.int64, device=device), torch.ones((1, length), dtype=torch.int64, device=device)),
         ["input_ids", "attention_mask"], ["hidden_states"], None),
        ("transformer.onnx", models["transformer"],
         lambda m, x, t, c: m(x, t, encoder_hidden_states=c, return_dict=False)[0],
         (torch.randn((GUIDANCE_BATCH, channels, frames, h, w), device=device), torch.tensor([999.0] * GUIDANCE_BATCH, device=device),
          torch.randn((GUIDANCE_BATCH, length, width), device=device)),
         ["hidden_states", "timestep", "encoder_hidden_states"], ["out_sample"], None),
        ("vae_decoder.onnx", models["vae"], lambda m, z: m.decode(z, return_dict=False)[0],
         (torch.randn((1, channels, frames, h, w), device=device),), ["latent_sample"], ["sample"], None),
    ]
    if meta:
        return graphs
    vae = models["vae"]
    shapes = cache_shapes(vae, (1, channels, 1, h, w))
    names_out, names_in = cache_names(len(shapes), "out"), cache_names(len(shapes), "in")
    return graphs + [
        ("vae_decoder_first_frame.onnx", FirstFrameDecoder(vae), lambda m, z: m(z),
         (torch.randn((1, channels, 1, h, w)),), ["latent_frame"], ["sample", *names_out], None),
        ("vae_decoder_next_frame.onnx", NextFrameDecoder(vae), lambda m, z, *cache: m(z, *cache),
         (torch.randn((1, channels, 1, h, w)), *[torch.randn(shape) for shape in shapes]),
         ["latent_frame", *names_in], ["sample", *names_out], None),
    ]


def manifest_sections(config, folder):
    """The EasyAnimate-specific parts of the manifest; the cache tensors are read from the exported next-frame graph."""
    channels, frames, h, w = latent_dims(config)
    p = config["pipeline"]
    next_frame = onnx.load(str(Path(folder) / "vae_decoder_next_frame.onnx"), load_external_data=False)
    cache_count = sum(1 for i in next_frame.graph.input if i.name.startswith("cache_in_"))
    return {
        "description": "EasyAnimate v5.1 text-to-video (EasyAnimateTransformer3DModel + Qwen2-VL text encoder + AutoencoderKLMagvit) exported from diffusers with random weights",
        "textEncoder": {
            "file": "text_encoder.onnx",
            "inputs": {"inputIds": "input_ids", "attentionMask": "attention_mask"},
            "outputs": {"hiddenStates": "hidden_states"},
            "vocabSize": config["text_encoder"]["text"]["vocab_size"],
            "maxSequenceLength": p["max_sequence_length"],
            # EasyAnimatePipeline passes the states of every position, padding included (the mask acts inside the encoder).
            "statesPastPrompt": "kept",
        },
        "denoiser": {
            "file": "transformer.onnx",
            "inputs": {"sample": "hidden_states", "timestep": "timestep", "encoderHiddenStates": "encoder_hidden_states"},
            "outputs": {"noisePred": "out_sample"},
            "architecture": {
                "patchSize": [1, config["transformer"]["patch_size"], config["transformer"]["patch_size"]],
                "rotaryEmbedding": "3d",
                "timestepModulation": "per-block",
                "textConditioning": "joint-attention",
            },
            "guidanceCalls": "batched",
        },
        "vaeDecoder": {
            "file": "vae_decoder.onnx",
            "inputs": {"latents": "latent_sample"},
            "outputs": {"sample": "sample"},
            "framesPerCall": None,
            "causalFrames": {
                "temporalCompression": 2 ** (len(config["vae"]["block_out_channels"]) - 2),
                "firstFrame": {"file": "vae_decoder_first_frame.onnx", "inputs": {"latents": "latent_frame"}, "outputs": {"sample": "sample"},
                               "cacheOutputs": cache_names(cache_count, "out")},
                "nextFrame": {"file": "vae_decoder_next_frame.onnx", "inputs": {"latents": "latent_frame"}, "outputs": {"sample": "sample"},
                              "cacheInputs": cache_names(cache_count, "in"), "cacheOutputs": cache_names(cache_count, "out")},
            },
        },
        "latent": {"channels": channels, "height": h, "width": w, "frames": frames, "scalingFactor": config["vae"]["scaling_factor"]},
        "scheduler": EASYANIMATE_SCHEDULER,
        "sourceScheduler": {"className": "FlowMatchEulerDiscreteScheduler", "config": EASYANIMATE_FLOW_EULER},
    }


def record_easyanimate(models, config, folder, seed):
    from dit_reference_run import STEPS, CACHE_INTERVAL, prompt_tokens, run_block_caches
    from reference_run import FirstCall, run_with_steps
    from tensor_store import TensorStore

    p = config["pipeline"]
    pipe = EasyAnimatePipeline(vae=models["vae"], text_encoder=models["text_encoder"], tokenizer=None,
                               transformer=models["transformer"], scheduler=FlowMatchEulerDiscreteScheduler(**EASYANIMATE_FLOW_EULER))
    pipe.set_progress_bar_config(disable=True)
    store = TensorStore(folder)
    generator = torch.Generator().manual_seed(seed)
    text = config["text_encoder"]
    length = p["max_sequence_length"]
    vocab = text["text"]["vocab_size"]
    prompt_ids, prompt_mask = prompt_tokens(generator, vocab, length, text["eos_token_id"], text["pad_token_id"], 6)
    negative_ids, negative_mask = prompt_tokens(generator, vocab, length, text["eos_token_id"], text["pad_token_id"], 3)
    with torch.no_grad():
        prompt_embeds = text_states(models["text_encoder"], prompt_ids, prompt_mask)
        negative_embeds = text_states(models["text_encoder"], negative_ids, negative_mask)
    channels, frames, h, w = latent_dims(config)
    noise = torch.randn((1, channels, frames, h, w), generator=generator)
    store.put("text_encoder.input_ids", prompt_ids)
    store.put("text_encoder.attention_mask", prompt_mask)
    store.put("text_encoder.hidden_states", prompt_embeds)
    store.put("text_encoder.negative_input_ids", negative_ids)
    store.put("text_encoder.negative_attention_mask", negative_mask)
    store.put("text_encoder.negative_hidden_states", negative_embeds)
    store.put("initial_noise", noise, "unit Gaussian latents [batch, channels, frames, h, w]")

    call = dict(prompt_embeds=prompt_embeds, prompt_attention_mask=prompt_mask, negative_prompt_embeds=negative_embeds,
                negative_prompt_attention_mask=negative_mask, height=p["height"], width=p["width"], num_frames=p["frames"],
                num_inference_steps=STEPS, guidance_scale=p["guidance_scale"], latents=noise.clone())
    transformer_call = FirstCall(pipe.transformer, "forward", lambda r: r[0])
    decode_call = FirstCall(pipe.vae, "decode", lambda r: r.sample if hasattr(r, "sample") else r[0])
    video, latents = run_with_steps(pipe, **call)
    transformer_call.restore()
    decode_call.restore()
    store.put("transformer.hidden_states", transformer_call.args[0])
    store.put("transformer.timestep", transformer_call.args[1].to(torch.float32))
    store.put("transformer.encoder_hidden_states", transformer_call.kwargs["encoder_hidden_states"])
    store.put("transformer.out_sample", transformer_call.output)
    store.put("vae_decoder.latent_sample", decode_call.args[0], "latents / scaling_factor, as EasyAnimatePipeline passes them to vae.decode")
    store.put("vae_decoder.sample", decode_call.output)
    per_frame = decode_frame_by_frame(models["vae"], decode_call.args[0])
    store.put("baseline.latents_per_step", latents, "latents after each step [steps, batch, channels, frames, h, w]")
    store.put("baseline.frames", video, "frames in [0, 1], [batch, frames, 3, H, W]")
    caches = run_block_caches(pipe, pipe.transformer, pipe.transformer.transformer_blocks, 1, store, call, lambda: noise.clone(), video)
    store.save({
        "pipeline": "EasyAnimatePipeline",
        "steps": STEPS,
        "guidanceScale": p["guidance_scale"],
        "timesteps": [float(t) for t in pipe.scheduler.timesteps],
        "scheduler": {"className": "FlowMatchEulerDiscreteScheduler", "config": EASYANIMATE_FLOW_EULER},
        "blockCache": {"interval": CACHE_INTERVAL, "blocks": len(pipe.transformer.transformer_blocks), "runs": caches,
                       "callsPerStep": 1, "note": "one residual per stream (image tokens, text tokens)"},
        "maxAbsDifferenceFrameByFrameDecodeVsDecode": float((per_frame - decode_call.output).abs().max()),
    })
