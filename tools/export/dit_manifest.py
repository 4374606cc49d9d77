"""The lightbench model manifest of an exported diffusion-transformer pipeline (kind `text-to-video-dit`)."""

from dit_configs import WAN_UNIPC

# lightbench's scheduler config (pipelines/schedulers/flow-scheduler-config.ts) for each pipeline's diffusers scheduler.
WAN_SCHEDULER = {
    "kind": "unipc", "numTrainTimesteps": WAN_UNIPC["num_train_timesteps"], "predictionType": "flow_prediction",
    "flowShift": WAN_UNIPC["flow_shift"], "solverOrder": WAN_UNIPC["solver_order"], "solverType": WAN_UNIPC["solver_type"],
    "lowerOrderFinal": WAN_UNIPC["lower_order_final"], "disableCorrector": WAN_UNIPC["disable_corrector"],
}


def _wan_sections(config, module):
    channels, frames, h, w = module.latent_dims(config)
    p = config["pipeline"]
    shapes = module.steady_cache_shapes_of_config(config)
    cache_count = len(shapes)
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
        },
        "vaeDecoder": {
            "file": "vae_decoder.onnx",
            "inputs": {"latents": "latent_sample"},
            "outputs": {"sample": "sample"},
            "framesPerCall": None,
            "causalFrames": {
                "temporalCompression": 2 ** sum(config["vae"]["temperal_downsample"]),
                "firstFrame": {"file": "vae_decoder_first_frame.onnx", "inputs": {"latents": "latent_frame"}, "outputs": {"sample": "sample"},
                               "cacheOutputs": module.cache_names(cache_count, "out")},
                "nextFrame": {"file": "vae_decoder_next_frame.onnx", "inputs": {"latents": "latent_frame"}, "outputs": {"sample": "sample"},
                              "cacheInputs": module.cache_names(cache_count, "in"), "cacheOutputs": module.cache_names(cache_count, "out")},
            },
        },
        "latent": {"channels": channels, "height": h, "width": w, "frames": frames,
                   "channelMean": config["vae"].get("latents_mean"), "channelStd": config["vae"].get("latents_std")},
        "scheduler": WAN_SCHEDULER,
        "sourceScheduler": {"className": "UniPCMultistepScheduler", "config": WAN_UNIPC},
    }


def dit_manifest(pipeline, name, config, blocks, module):
    p = config["pipeline"]
    sections = _wan_sections(config, module) if pipeline == "wan" else module.manifest_sections(config)
    denoiser = sections.pop("denoiser")
    denoiser["architecture"]["blocks"] = blocks
    document = {
        "$schema": None,  # the exporter sets the schema's path relative to the manifest
        "manifestVersion": 1,
        "name": name,
        "description": sections.pop("description"),
        "kind": "text-to-video-dit",
        "textEncoder": sections.pop("textEncoder"),
        "denoiser": {"kind": "dit", **denoiser},
        "vaeDecoder": sections.pop("vaeDecoder"),
        "latent": sections.pop("latent"),
        "video": {"frames": p["frames"], "height": p["height"], "width": p["width"]},
        "scheduler": sections.pop("scheduler"),
        "sourceScheduler": sections.pop("sourceScheduler"),
        "guidanceScale": p["guidance_scale"],
        "defaultSteps": p["steps"],
    }
    return document
