"""Reference outputs of the tiny diffusion-transformer pipelines (Wan, EasyAnimate) on PyTorch CPU.

Each pipeline runs from recorded prompt embeddings and initial noise three times: plain (`baseline.*`), and with a
block cache (block_cache.py) at interval 2 over every block (`blockcache.*`, LightCache's EasyAnimate setting) and
over all but the first and last block (`blockcache_f1b1.*`). The first call of every component is recorded (inputs
and output) so each exported graph can be checked alone; the transformer's first step is recorded as one batch of
[negative prompt; prompt], the layout of the exported graph, even where the pipeline calls the model twice.
"""

import torch
from diffusers import UniPCMultistepScheduler, WanPipeline

from block_cache import BlockCache
from dit_configs import WAN_UNIPC
from reference_run import FirstCall, run_with_steps
from tensor_store import TensorStore
from wan_models import cache_layout, decode_frame_by_frame, latent_dims

STEPS = 4
CACHE_INTERVAL = 2
BLOCK_CACHE_RUNS = {"blockcache": (0, 0), "blockcache_f1b1": (1, 1)}  # name: (first blocks run, last blocks run)


class FirstCalls:
    """Records the first `count` calls of a module's forward (keyword and positional tensors, and outputs)."""

    def __init__(self, module, count, pick_output):
        self.calls = []
        self.count, self.pick_output = count, pick_output
        self.hook = module.register_forward_hook(self._record, with_kwargs=True)

    def _record(self, _module, args, kwargs, output):
        if len(self.calls) < self.count:
            self.calls.append((args, kwargs, self.pick_output(output)))

    def remove(self):
        self.hook.remove()


def prompt_tokens(generator, vocab_size, length, eos, pad, words):
    """[ids, mask] of a prompt: `words` random token ids then the end token, padded (mask 0) to `length`."""
    ids = torch.full((1, length), pad, dtype=torch.int64)
    mask = torch.zeros((1, length), dtype=torch.int64)
    tokens = torch.randint(2, vocab_size, (words,), generator=generator)
    ids[0, :words] = tokens
    ids[0, words] = eos
    mask[0, : words + 1] = 1
    return ids, mask


def run_block_cache(pipe, transformer, blocks, calls_per_step, call, fresh_latents, first_blocks, last_blocks, interval):
    cache = BlockCache(transformer, blocks, first_blocks, len(blocks) - last_blocks, interval, calls_per_step)
    try:
        frames, latents = run_with_steps(pipe, **{**call, "latents": fresh_latents()})
    finally:
        cache.remove()
    return frames, latents, cache.kinds


def run_block_caches(pipe, transformer, blocks, calls_per_step, store, call, fresh_latents, baseline_frames):
    summary = {}
    for name, (first_blocks, last_blocks) in BLOCK_CACHE_RUNS.items():
        frames, latents, kinds = run_block_cache(pipe, transformer, blocks, calls_per_step, call, fresh_latents, first_blocks, last_blocks, CACHE_INTERVAL)
        store.put(f"{name}.latents_per_step", latents)
        store.put(f"{name}.frames", frames)
        summary[name] = {"firstBlocks": first_blocks, "lastBlocks": last_blocks, "cachedBlocks": [first_blocks, len(blocks) - last_blocks],
                         "stepKinds": kinds, "maxAbsDifferenceFromBaseline": float((frames - baseline_frames).abs().max())}
    # The same cache with every step full must give the plain run exactly: the check that the cache only reuses.
    frames, _latents, kinds = run_block_cache(pipe, transformer, blocks, calls_per_step, call, fresh_latents, 0, 0, 1)
    summary["intervalOne"] = {"stepKinds": kinds, "maxAbsDifferenceFromBaseline": float((frames - baseline_frames).abs().max())}
    return summary


def record_wan(models, config, folder, seed):
    p = config["pipeline"]
    scheduler = UniPCMultistepScheduler(**WAN_UNIPC)
    pipe = WanPipeline(tokenizer=None, text_encoder=models["text_encoder"], vae=models["vae"], scheduler=scheduler,
                       transformer=models["transformer"])
    pipe.set_progress_bar_config(disable=True)
    store = TensorStore(folder)
    generator = torch.Generator().manual_seed(seed)
    text = config["text_encoder"]
    length = p["max_sequence_length"]
    prompt_ids, prompt_mask = prompt_tokens(generator, text["vocab_size"], length, text["eos_token_id"], text["pad_token_id"], 5)
    # The negative prompt "" tokenizes to the end token alone.
    negative_ids, negative_mask = prompt_tokens(generator, text["vocab_size"], length, text["eos_token_id"], text["pad_token_id"], 0)
    encoder = models["text_encoder"]

    def embed(ids, mask):
        # WanPipeline's _get_t5_prompt_embeds: the encoder's states, zeroed past the prompt's tokens.
        with torch.no_grad():
            states = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return states, states * mask[..., None].to(states.dtype)

    prompt_states, prompt_embeds = embed(prompt_ids, prompt_mask)
    negative_states, negative_embeds = embed(negative_ids, negative_mask)
    channels, frames, h, w = latent_dims(config)
    noise = torch.randn((1, channels, frames, h, w), generator=generator)
    store.put("text_encoder.input_ids", prompt_ids)
    store.put("text_encoder.attention_mask", prompt_mask)
    store.put("text_encoder.last_hidden_state", prompt_states)
    store.put("text_encoder.negative_input_ids", negative_ids)
    store.put("text_encoder.negative_attention_mask", negative_mask)
    store.put("text_encoder.negative_last_hidden_state", negative_states)
    store.put("prompt_embeds", prompt_embeds, "the text encoder's states with positions past the prompt (mask 0) set to zero, as WanPipeline passes them")
    store.put("negative_prompt_embeds", negative_embeds)
    store.put("initial_noise", noise, "unit Gaussian latents [batch, channels, frames, h, w]")

    call = dict(prompt_embeds=prompt_embeds, negative_prompt_embeds=negative_embeds, height=p["height"], width=p["width"],
                num_frames=p["frames"], num_inference_steps=STEPS, guidance_scale=p["guidance_scale"], latents=noise.clone())
    transformer_calls = FirstCalls(pipe.transformer, 2, lambda r: r[0])
    decode_call = FirstCall(pipe.vae, "decode", lambda r: r.sample if hasattr(r, "sample") else r[0])
    video, latents = run_with_steps(pipe, **call)
    transformer_calls.remove()
    decode_call.restore()
    # Calls of the first step: the prompt, then the negative prompt; the graph's batch is [negative; prompt].
    (_, cond, cond_out), (_, uncond, uncond_out) = transformer_calls.calls
    store.put("transformer.hidden_states", torch.cat([uncond["hidden_states"], cond["hidden_states"]]))
    store.put("transformer.timestep", torch.cat([uncond["timestep"], cond["timestep"]]).to(torch.float32))
    store.put("transformer.encoder_hidden_states", torch.cat([uncond["encoder_hidden_states"], cond["encoder_hidden_states"]]))
    store.put("transformer.out_sample", torch.cat([uncond_out, cond_out]))
    decoder_input = decode_call.args[0]
    store.put("vae_decoder.latent_sample", decoder_input, "latents · std + mean per channel, as WanPipeline passes them to vae.decode")
    store.put("vae_decoder.sample", decode_call.output)
    cache_shapes, empty_slots = cache_layout(models["vae"], (1, channels, 1, h, w))
    per_frame = decode_frame_by_frame(models["vae"], decoder_input, cache_shapes, empty_slots)
    store.put("baseline.latents_per_step", latents, "latents after each step [steps, batch, channels, frames, h, w]")
    store.put("baseline.frames", video, "frames in [0, 1], [batch, frames, 3, H, W]")
    caches = run_block_caches(pipe, pipe.transformer, pipe.transformer.blocks, 2, store, call, lambda: noise.clone(), video)
    store.save({
        "pipeline": "WanPipeline",
        "steps": STEPS,
        "guidanceScale": p["guidance_scale"],
        "timesteps": [float(t) for t in pipe.scheduler.timesteps],
        "scheduler": {"className": "UniPCMultistepScheduler", "config": WAN_UNIPC},
        "blockCache": {"interval": CACHE_INTERVAL, "blocks": len(pipe.transformer.blocks), "runs": caches,
                       "callsPerStep": 2, "note": "one residual per call of a step (prompt, negative prompt)"},
        "maxAbsDifferenceFrameByFrameDecodeVsDecode": float((per_frame - decode_call.output).abs().max()),
    })


def record(pipeline, models, config, folder, seed):
    if pipeline == "wan":
        record_wan(models, config, folder, seed)
    else:
        from easyanimate_models import record_easyanimate

        record_easyanimate(models, config, folder, seed)
