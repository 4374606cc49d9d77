"""Reference outputs of the tiny pipelines on PyTorch CPU, for parity checks of the ONNX path.

Each pipeline runs twice from the same inputs and initial noise: the plain diffusers pipeline, and the same with
DeepCache's own helper (`DeepCache.DeepCacheSDHelper`). Besides the final frames and the latents after every step,
the first call of every component is recorded (inputs and output), so each exported graph can be checked alone.
"""

import PIL.Image
import torch
from diffusers import AnimateDiffPipeline, DDIMScheduler, EulerDiscreteScheduler, StableVideoDiffusionPipeline
from transformers import CLIPImageProcessor

from configs import ANIMATEDIFF_DDIM, SVD_EULER
from tensor_store import TensorStore

STEPS = 4
DEEPCACHE_INTERVAL = 2


class FirstCall:
    """Records the first call of a bound method: its positional and keyword tensors and its result."""

    def __init__(self, owner, method_name, pick_output):
        self.owner, self.method_name, self.pick_output = owner, method_name, pick_output
        self.original = getattr(owner, method_name)
        self.args = self.kwargs = self.output = None

        def wrapped(*args, **kwargs):
            result = self.original(*args, **kwargs)
            if self.output is None:
                self.args, self.kwargs, self.output = args, kwargs, self.pick_output(result)
            return result

        setattr(owner, method_name, wrapped)

    def restore(self):
        setattr(self.owner, self.method_name, self.original)


def run_with_steps(pipe, **call):
    latents_per_step = []

    def on_step_end(_pipe, _index, _timestep, kwargs):
        latents_per_step.append(kwargs["latents"].detach().clone())
        return {}

    with torch.no_grad():
        output = pipe(**call, callback_on_step_end=on_step_end, callback_on_step_end_tensor_inputs=["latents"], output_type="pt")
    return output.frames, torch.stack(latents_per_step)


def run_deepcache(pipe, branch_id, **call):
    from DeepCache import DeepCacheSDHelper

    helper = DeepCacheSDHelper(pipe=pipe)
    helper.set_params(cache_interval=DEEPCACHE_INTERVAL, cache_branch_id=branch_id)
    helper.enable()
    try:
        return run_with_steps(pipe, **call)
    finally:
        helper.disable()


def put_unet_and_decoder(store, unet_call, decode_call, extra_unet_inputs=()):
    """The first UNet and VAE decoder calls of a run: their inputs (in the exported graphs' order) and outputs."""
    store.put("unet.sample", unet_call.args[0])
    store.put("unet.timestep", torch.tensor([float(unet_call.args[1])], dtype=torch.float32))
    store.put("unet.encoder_hidden_states", unet_call.kwargs["encoder_hidden_states"])
    for name in extra_unet_inputs:
        store.put(f"unet.{name}", unet_call.kwargs[name])
    store.put("unet.out_sample", unet_call.output)
    store.put("vae_decoder.latent_sample", decode_call.args[0])
    store.put("vae_decoder.sample", decode_call.output)


def helper_branch_id(project_branch, layers_per_block):
    """DeepCacheSDHelper counts skips from conv_in (0) and assumes 3 per up block, which holds for 2 layers per block:
    project branch b (the b-th down layer) is its skip index 1 + b + b // layers_per_block (downsamplers in between)."""
    return 1 + project_branch + project_branch // layers_per_block


def scheduler_record(pipe, default_config):
    """The scheduler the reference ran with: the exporter's own config, or a loaded pipeline's whole config."""
    config = default_config if default_config is not None else {k: v for k, v in dict(pipe.scheduler.config).items() if not k.startswith("_")}
    return {"className": type(pipe.scheduler).__name__, "config": config}


def record_animatediff(models, config, folder, seed, deepcache_branch, pipe=None):
    """`pipe`: a pipeline to run as it is (one loaded with from_pretrained); by default one made of `models` with
    the exporter's DDIM scheduler."""
    p = config["pipeline"]
    scheduler_config = None if pipe is not None else ANIMATEDIFF_DDIM
    pipe = pipe or AnimateDiffPipeline(
        vae=models["vae"], text_encoder=models["text_encoder"], tokenizer=None, unet=models["unet"], motion_adapter=None,
        scheduler=DDIMScheduler(**ANIMATEDIFF_DDIM),
    )
    pipe.set_progress_bar_config(disable=True)
    store = TensorStore(folder)
    generator = torch.Generator().manual_seed(seed)
    text = config["text_encoder"]
    length = text["max_position_embeddings"]
    words = torch.randint(0, text["vocab_size"] - 2, (5,), generator=generator)
    prompt_ids = torch.full((1, length), text["eos_token_id"], dtype=torch.int64)
    prompt_ids[0, 0] = text["bos_token_id"]
    prompt_ids[0, 1 : 1 + len(words)] = words
    negative_ids = torch.full((1, length), text["eos_token_id"], dtype=torch.int64)
    negative_ids[0, 0] = text["bos_token_id"]
    with torch.no_grad():
        prompt_embeds = models["text_encoder"](input_ids=prompt_ids).last_hidden_state
        negative_embeds = models["text_encoder"](input_ids=negative_ids).last_hidden_state
    scale = 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    noise = torch.randn((1, 4, p["frames"], p["height"] // scale, p["width"] // scale), generator=generator)
    store.put("text_encoder.input_ids", prompt_ids)
    store.put("text_encoder.last_hidden_state", prompt_embeds)
    store.put("text_encoder.negative_input_ids", negative_ids)
    store.put("text_encoder.negative_last_hidden_state", negative_embeds)
    store.put("initial_noise", noise, "unit Gaussian latents [batch, channels, frames, h, w]; the pipeline multiplies by init_noise_sigma (1 for DDIM)")

    call = dict(
        prompt_embeds=prompt_embeds, negative_prompt_embeds=negative_embeds, num_frames=p["frames"], height=p["height"], width=p["width"],
        num_inference_steps=STEPS, guidance_scale=p["guidance_scale"], latents=noise.clone(),
    )
    unet_call = FirstCall(pipe.unet, "forward", lambda r: r.sample if hasattr(r, "sample") else r[0])
    decode_call = FirstCall(pipe.vae, "decode", lambda r: r.sample if hasattr(r, "sample") else r[0])
    frames, latents = run_with_steps(pipe, **call)
    unet_call.restore()
    decode_call.restore()
    put_unet_and_decoder(store, unet_call, decode_call)
    store.put("baseline.latents_per_step", latents, "latents after each step [steps, batch, channels, frames, h, w]")
    store.put("baseline.frames", frames, "frames in [0, 1], [batch, frames, 3, H, W]")

    helper_id = helper_branch_id(deepcache_branch, config["unet"]["layers_per_block"])
    dc_frames, dc_latents = run_deepcache(pipe, helper_id, **{**call, "latents": noise.clone()})
    store.put("deepcache.latents_per_step", dc_latents)
    store.put("deepcache.frames", dc_frames)
    store.save({
        "pipeline": "AnimateDiffPipeline",
        "steps": STEPS,
        "guidanceScale": p["guidance_scale"],
        "timesteps": [int(t) for t in pipe.scheduler.timesteps],
        "scheduler": scheduler_record(pipe, scheduler_config),
        "deepcache": {"helper": "DeepCache.DeepCacheSDHelper", "cacheInterval": DEEPCACHE_INTERVAL, "cacheBranchId": helper_id, "projectBranch": deepcache_branch},
        "maxAbsDifferenceDeepCacheVsBaseline": float((dc_frames - frames).abs().max()),
    })


def record_svd(models, config, folder, seed, deepcache_branch, pipe=None):
    p = config["pipeline"]
    scheduler_config = None if pipe is not None else SVD_EULER
    pipe = pipe or StableVideoDiffusionPipeline(
        vae=models["vae"], image_encoder=models["image_encoder"], unet=models["unet"], scheduler=EulerDiscreteScheduler(**SVD_EULER),
        feature_extractor=CLIPImageProcessor(),
    )
    pipe.set_progress_bar_config(disable=True)
    store = TensorStore(folder)
    generator = torch.Generator().manual_seed(seed)
    # A PIL image, as users pass it: the pipeline then resizes it to 224×224 (antialiased) for the CLIP encoder.
    pixels = torch.randint(0, 256, (p["height"], p["width"], 3), generator=generator, dtype=torch.uint8)
    image = torch.from_numpy(pixels.numpy().astype("float32") / 255).permute(2, 0, 1)[None]
    scale = 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    noise = torch.randn((1, p["frames"], 4, p["height"] // scale, p["width"] // scale), generator=generator)
    # The pipeline draws its noise augmentation of the conditioning image from the generator it is given, first.
    aug_seed = seed + 7
    aug_noise = torch.randn((1, 3, p["height"], p["width"]), generator=torch.Generator().manual_seed(aug_seed))
    store.put("image", image, "conditioning image in [0, 1] (8-bit values / 255), [1, 3, H, W]")
    store.put("initial_noise", noise, "unit Gaussian latents [batch, frames, channels, h, w]; the pipeline multiplies by init_noise_sigma")
    store.put("noise_augmentation", aug_noise, "the Gaussian the pipeline adds (× noise_aug_strength) to the image in [-1, 1]")

    def call_args():
        return dict(
            image=PIL.Image.fromarray(pixels.numpy()), height=p["height"], width=p["width"], num_frames=p["frames"], num_inference_steps=STEPS,
            min_guidance_scale=p["min_guidance_scale"], max_guidance_scale=p["max_guidance_scale"], fps=p["fps"],
            motion_bucket_id=p["motion_bucket_id"], noise_aug_strength=p["noise_aug_strength"], decode_chunk_size=p.get("decode_chunk_size", p["frames"]),
            generator=torch.Generator().manual_seed(aug_seed), latents=noise.clone(),
        )

    image_call = FirstCall(pipe.image_encoder, "forward", lambda r: r.image_embeds)
    encode_call = FirstCall(pipe.vae, "encode", lambda r: r.latent_dist.mode())
    unet_call = FirstCall(pipe.unet, "forward", lambda r: r[0])
    decode_call = FirstCall(pipe.vae, "decode", lambda r: r.sample if hasattr(r, "sample") else r[0])
    frames, latents = run_with_steps(pipe, **call_args())
    for c in (image_call, encode_call, unet_call, decode_call):
        c.restore()
    store.put("image_encoder.pixel_values", image_call.args[0] if image_call.args else image_call.kwargs["pixel_values"])
    store.put("image_encoder.image_embeds", image_call.output)
    store.put("vae_encoder.sample", encode_call.args[0])
    store.put("vae_encoder.latent_sample", encode_call.output)
    put_unet_and_decoder(store, unet_call, decode_call, extra_unet_inputs=("added_time_ids",))
    store.put("baseline.latents_per_step", latents, "latents after each step [steps, batch, frames, channels, h, w]")
    store.put("baseline.frames", frames, "frames in [0, 1], [batch, frames, 3, H, W]")

    helper_id = helper_branch_id(deepcache_branch, config["unet"]["layers_per_block"])
    dc_frames, dc_latents = run_deepcache(pipe, helper_id, **call_args())
    store.put("deepcache.latents_per_step", dc_latents)
    store.put("deepcache.frames", dc_frames)
    store.save({
        "pipeline": "StableVideoDiffusionPipeline",
        "steps": STEPS,
        "minGuidanceScale": p["min_guidance_scale"],
        "maxGuidanceScale": p["max_guidance_scale"],
        "fps": p["fps"],
        "motionBucketId": p["motion_bucket_id"],
        "noiseAugStrength": p["noise_aug_strength"],
        "timesteps": [float(t) for t in pipe.scheduler.timesteps],
        "sigmas": [float(s) for s in pipe.scheduler.sigmas],
        "scheduler": scheduler_record(pipe, scheduler_config),
        "deepcache": {"helper": "DeepCache.DeepCacheSDHelper", "cacheInterval": DEEPCACHE_INTERVAL, "cacheBranchId": helper_id, "projectBranch": deepcache_branch},
        "maxAbsDifferenceDeepCacheVsBaseline": float((dc_frames - frames).abs().max()),
    })


def record(pipeline, models, config, folder, seed, deepcache_branch=0, pipe=None):
    (record_animatediff if pipeline == "animatediff" else record_svd)(models, config, folder, seed, deepcache_branch, pipe)
