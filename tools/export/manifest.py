"""The lightbench model manifest of an exported pipeline (schemas/model-manifest.schema.json)."""

import json
from pathlib import Path

from configs import ANIMATEDIFF_DDIM, SVD_EULER

# lightbench's scheduler config (pipelines/schedulers/scheduler-config.ts) closest to each pipeline's diffusers scheduler.
ANIMATEDIFF_SCHEDULER = {
    "kind": "ddim", "numTrainTimesteps": 1000, "betaStart": 0.00085, "betaEnd": 0.012, "betaSchedule": "linear",
    "timestepSpacing": "linspace", "stepsOffset": 1, "predictionType": "epsilon", "clipSample": False, "setAlphaToOne": False, "eta": 0,
}
# SVD's Euler: Karras sigmas between the config's bounds and continuous timesteps (0.25·ln σ).
SVD_SCHEDULER = {
    "kind": "euler", "numTrainTimesteps": 1000, "betaStart": 0.00085, "betaEnd": 0.012, "betaSchedule": "scaled_linear",
    "timestepSpacing": "leading", "stepsOffset": 1, "predictionType": "v_prediction", "clipSample": False, "setAlphaToOne": False,
    "karrasSigmas": {"sigmaMin": SVD_EULER["sigma_min"], "sigmaMax": SVD_EULER["sigma_max"]}, "timestepType": SVD_EULER["timestep_type"],
}


def skip_kinds(block_count, layers_per_block):
    """The down path's skips in the order they are produced: conv_in, then each block's layers and its downsampler."""
    kinds = ["conv_in"]
    for block in range(block_count):
        kinds += ["layer"] * layers_per_block
        if block < block_count - 1:
            kinds.append("downsampler")
    return kinds


def cut_points(concats, block_count, layers_per_block):
    """Maps each up-block concatenation to the down layer whose skip it consumes: [{branch, tensor}], branch = index
    of that down layer (conv_in and downsampler skips are not branches)."""
    kinds = skip_kinds(block_count, layers_per_block)
    if len(concats) != len(kinds):
        raise RuntimeError(f"found {len(concats)} skip concatenations, expected {len(kinds)}")
    branch_of = {}
    branch = 0
    for index, kind in enumerate(kinds):
        if kind == "layer":
            branch_of[index] = branch
            branch += 1
    points = []
    for block, position, up_tensor, _skip in concats:
        skip_index = len(kinds) - 1 - (block * (layers_per_block + 1) + position)
        if skip_index in branch_of:
            points.append({"branch": branch_of[skip_index], "tensor": up_tensor})
    return sorted(points, key=lambda p: p["branch"])


def latent_section(config):
    """The manifest's latent dimensions: the VAE halves the image per block after the first."""
    p = config["pipeline"]
    scale = 2 ** (len(config["vae"]["block_out_channels"]) - 1)
    return {"channels": 4, "height": p["height"] // scale, "width": p["width"] // scale, "frames": p["frames"], "scalingFactor": config["vae"]["scaling_factor"]}


def animatediff_manifest(name, config, points, vae_frames_per_call):
    p = config["pipeline"]
    return {
        "$schema": None,  # the exporter sets the schema's path relative to the manifest
        "manifestVersion": 1,
        "name": name,
        "description": "AnimateDiff (UNetMotionModel + CLIP text encoder + AutoencoderKL decoder) exported from diffusers with random weights",
        "kind": "text-to-video",
        "textEncoder": {"file": "text_encoder.onnx", "inputs": {"inputIds": "input_ids"}, "outputs": {"hiddenStates": "last_hidden_state"},
                        "vocabSize": config["text_encoder"]["vocab_size"]},
        "unet": {
            "file": "unet.onnx",
            "sampleLayout": "BCFHW",
            "contextBatch": "per-frame",
            "inputs": {"sample": "sample", "timestep": "timestep", "encoderHiddenStates": "encoder_hidden_states"},
            "outputs": {"noisePred": "out_sample"},
            "deepCache": {"cutPoints": points},
        },
        "vaeDecoder": {"file": "vae_decoder.onnx", "inputs": {"latents": "latent_sample"}, "outputs": {"sample": "sample"}, "framesPerCall": vae_frames_per_call},
        "latent": latent_section(config),
        "scheduler": ANIMATEDIFF_SCHEDULER,
        "sourceScheduler": {"className": "DDIMScheduler", "config": ANIMATEDIFF_DDIM},
        "guidanceScale": p["guidance_scale"],
        "defaultSteps": p["steps"],
    }


def svd_manifest(name, config, points):
    p = config["pipeline"]
    return {
        "$schema": None,  # the exporter sets the schema's path relative to the manifest
        "manifestVersion": 1,
        "name": name,
        "description": "Stable Video Diffusion (UNetSpatioTemporalConditionModel + CLIP vision encoder + AutoencoderKLTemporalDecoder) exported from diffusers with random weights",
        "kind": "image-to-video",
        "imageEncoder": {"file": "image_encoder.onnx", "inputs": {"pixelValues": "pixel_values"}, "outputs": {"imageEmbeds": "image_embeds"}},
        "vaeEncoder": {"file": "vae_encoder.onnx", "inputs": {"sample": "sample"}, "outputs": {"latents": "latent_sample"}},
        "unet": {
            "file": "unet.onnx",
            "sampleLayout": "BFCHW",
            "contextBatch": "per-video",
            "inputs": {"sample": "sample", "timestep": "timestep", "encoderHiddenStates": "encoder_hidden_states", "addedTimeIds": "added_time_ids"},
            "outputs": {"noisePred": "out_sample"},
            "deepCache": {"cutPoints": points},
        },
        "vaeDecoder": {"file": "vae_decoder.onnx", "inputs": {"latents": "latent_sample"}, "outputs": {"sample": "sample"}, "framesPerCall": p.get("decode_chunk_size", p["frames"])},
        "latent": latent_section(config),
        "scheduler": SVD_SCHEDULER,
        "sourceScheduler": {"className": "EulerDiscreteScheduler", "config": SVD_EULER},
        "guidanceScale": p["min_guidance_scale"],
        "maxGuidanceScale": p["max_guidance_scale"],
        "defaultSteps": p["steps"],
        "conditioning": {"fps": p["fps"], "motionBucketId": p["motion_bucket_id"], "noiseAugStrength": p["noise_aug_strength"]},
    }


def write(folder, manifest):
    path = Path(folder) / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path
