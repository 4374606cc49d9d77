"""EasyAnimate v5.1 text-to-video for the exporter: the models from a config dict, the graphs to export, the
manifest sections, and the PyTorch reference run of EasyAnimatePipeline."""

import torch
from diffusers import AutoencoderKLMagvit, EasyAnimatePipeline, EasyAnimateTransformer3DModel, FlowMatchEulerDiscreteScheduler
from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

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


def components(models, config, meta=False):
    channels, frames, h, w = latent_dims(config)
    p = config["pipeline"]
    device = "meta" if meta else "cpu"
    length = p["max_sequence_length"]
    width = config["transformer"]["text_embed_dim"]
    return [
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


def manifest_sections(config, _folder):
    """The EasyAnimate-specific parts of the manifest."""
    channels, frames, h, w = latent_dims(config)
    p = config["pipeline"]
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
    })
