"""Model configs for the exporter: `tiny` (random weights, a few MB, committed as test fixtures) and `full`
(published SD-1.5 + AnimateDiff motion adapter v1-5-2 and SVD-XT configs, random weights, for GPU machines).

The tiny configs keep the real topology of each model class (down/mid/up blocks, skip concatenations,
cross-attention, motion / spatio-temporal layers, 3 resnets per up block) with the fewest channels the classes
accept: SVD's blocks hard-code 32 normalisation groups, so its widths are multiples of 32.
"""

# ---------------------------------------------------------------- AnimateDiff (text-to-video)

TINY_ANIMATEDIFF = {
    "unet": {
        "block_out_channels": [16, 32, 32],
        "down_block_types": ["CrossAttnDownBlockMotion", "CrossAttnDownBlockMotion", "DownBlockMotion"],
        "up_block_types": ["UpBlockMotion", "CrossAttnUpBlockMotion", "CrossAttnUpBlockMotion"],
        "layers_per_block": 2,
        "norm_num_groups": 8,
        "cross_attention_dim": 32,
        "num_attention_heads": 2,
        "motion_num_attention_heads": 2,
        "motion_max_seq_length": 32,
        "in_channels": 4,
        "out_channels": 4,
        "sample_size": 16,
    },
    "text_encoder": {
        "vocab_size": 1000,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "max_position_embeddings": 77,
        "hidden_act": "quick_gelu",
        "projection_dim": 32,
        "bos_token_id": 998,
        "eos_token_id": 999,
        "pad_token_id": 999,
    },
    "vae": {
        "in_channels": 3,
        "out_channels": 3,
        "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
        "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
        "block_out_channels": [32, 32],
        "layers_per_block": 1,
        "latent_channels": 4,
        "norm_num_groups": 16,
        "sample_size": 32,
        "scaling_factor": 0.18215,
    },
    "pipeline": {"frames": 4, "height": 32, "width": 32, "steps": 3, "guidance_scale": 7.5},
}

# Stable Diffusion v1-5 unet/config.json (published values).
SD15_UNET = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "center_input_sample": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "only_cross_attention": False,
    "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2,
    "downsample_padding": 1,
    "mid_block_scale_factor": 1,
    "act_fn": "silu",
    "norm_num_groups": 32,
    "norm_eps": 1e-05,
    "cross_attention_dim": 768,
    "attention_head_dim": 8,
}

# guoyww/animatediff-motion-adapter-v1-5-2 config.json (published values).
MOTION_ADAPTER_V1_5_2 = {
    "block_out_channels": [320, 640, 1280, 1280],
    "motion_layers_per_block": 2,
    "motion_mid_block_layers_per_block": 1,
    "motion_num_attention_heads": 8,
    "motion_norm_num_groups": 32,
    "motion_max_seq_length": 32,
    "use_motion_mid_block": True,
    "conv_in_channels": None,
}

# openai/clip-vit-large-patch14 text_config, as Stable Diffusion v1-5's text_encoder/config.json has it.
CLIP_VIT_L14_TEXT = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "layer_norm_eps": 1e-05,
    "projection_dim": 768,
}

# Stable Diffusion v1-5 vae/config.json (published values).
SD_VAE = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 512,
    "scaling_factor": 0.18215,
}

FULL_ANIMATEDIFF = {
    "unet": SD15_UNET,
    "motion_adapter": MOTION_ADAPTER_V1_5_2,
    "text_encoder": CLIP_VIT_L14_TEXT,
    "vae": SD_VAE,
    "pipeline": {"frames": 16, "height": 512, "width": 512, "steps": 25, "guidance_scale": 7.5},
}

# diffusers' AnimateDiff documentation: DDIM over SD-1.5's scheduler config with linear betas and linspace spacing.
ANIMATEDIFF_DDIM = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "linear",
    "timestep_spacing": "linspace",
    "steps_offset": 1,
    "clip_sample": False,
    "set_alpha_to_one": False,
    "prediction_type": "epsilon",
}

# ---------------------------------------------------------------- Stable Video Diffusion (image-to-video)

TINY_SVD = {
    "unet": {
        "block_out_channels": [32, 32],
        "down_block_types": ["CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"],
        "up_block_types": ["UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"],
        "layers_per_block": 2,
        "cross_attention_dim": 32,
        "num_attention_heads": [2, 2],
        "addition_time_embed_dim": 8,
        "projection_class_embeddings_input_dim": 24,
        "in_channels": 8,
        "out_channels": 4,
        "num_frames": 4,
        "sample_size": 16,
    },
    "image_encoder": {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "image_size": 224,
        "patch_size": 32,
        "projection_dim": 32,
        "hidden_act": "gelu",
    },
    "vae": {
        "in_channels": 3,
        "out_channels": 3,
        "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"],
        "block_out_channels": [32, 32],
        "layers_per_block": 1,
        "latent_channels": 4,
        "sample_size": 32,
        "scaling_factor": 0.18215,
    },
    "pipeline": {
        "frames": 4,
        "height": 32,
        "width": 32,
        "steps": 3,
        "min_guidance_scale": 1.0,
        "max_guidance_scale": 3.0,
        "fps": 7,
        "motion_bucket_id": 127,
        "noise_aug_strength": 0.02,
    },
}

# stabilityai/stable-video-diffusion-img2vid-xt unet/config.json (published values).
SVD_XT_UNET = {
    "addition_time_embed_dim": 256,
    "block_out_channels": [320, 640, 1280, 1280],
    "cross_attention_dim": 1024,
    "down_block_types": [
        "CrossAttnDownBlockSpatioTemporal",
        "CrossAttnDownBlockSpatioTemporal",
        "CrossAttnDownBlockSpatioTemporal",
        "DownBlockSpatioTemporal",
    ],
    "in_channels": 8,
    "layers_per_block": 2,
    "num_attention_heads": [5, 10, 20, 20],
    "num_frames": 25,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": 768,
    "sample_size": 96,
    "transformer_layers_per_block": 1,
    "up_block_types": [
        "UpBlockSpatioTemporal",
        "CrossAttnUpBlockSpatioTemporal",
        "CrossAttnUpBlockSpatioTemporal",
        "CrossAttnUpBlockSpatioTemporal",
    ],
}

# stabilityai/stable-video-diffusion-img2vid-xt image_encoder/config.json (OpenCLIP ViT-H/14 vision tower).
SVD_XT_IMAGE_ENCODER = {
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_attention_heads": 16,
    "num_hidden_layers": 32,
    "patch_size": 14,
    "image_size": 224,
    "projection_dim": 1024,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-05,
}

# stabilityai/stable-video-diffusion-img2vid-xt vae/config.json (published values).
SVD_XT_VAE = {
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "out_channels": 3,
    "sample_size": 768,
    "scaling_factor": 0.18215,
    "force_upcast": True,
}

FULL_SVD = {
    "unet": SVD_XT_UNET,
    "image_encoder": SVD_XT_IMAGE_ENCODER,
    "vae": SVD_XT_VAE,
    "pipeline": {
        "frames": 25,
        "height": 576,
        "width": 1024,
        "steps": 25,
        "min_guidance_scale": 1.0,
        "max_guidance_scale": 3.0,
        "fps": 7,
        "motion_bucket_id": 127,
        "noise_aug_strength": 0.02,
    },
}

# stabilityai/stable-video-diffusion-img2vid-xt scheduler/scheduler_config.json (published values).
SVD_EULER = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "interpolation_type": "linear",
    "prediction_type": "v_prediction",
    "sigma_max": 700.0,
    "sigma_min": 0.002,
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "timestep_type": "continuous",
    "use_karras_sigmas": True,
}

# The tiny topology at activation sizes where memory strategies show on a CPU: 16 frames of 256×256 (32×32
# latents), so one spatial attention score tensor of the guided batch is 2·16·2 heads × 1024² floats (256 MiB).
SMALL_ANIMATEDIFF = {
    **TINY_ANIMATEDIFF,
    "unet": {**TINY_ANIMATEDIFF["unet"], "block_out_channels": [32, 64, 64], "sample_size": 32},
    "pipeline": {**TINY_ANIMATEDIFF["pipeline"], "frames": 16, "height": 256, "width": 256},
    "vae": {**TINY_ANIMATEDIFF["vae"], "block_out_channels": [32, 32, 32, 32], "down_block_types": ["DownEncoderBlock2D"] * 4,
            "up_block_types": ["UpDecoderBlock2D"] * 4, "sample_size": 256},
}

# SVD likewise: 8 frames of 256×256 (32×32 latents) through the tiny topology.
SMALL_SVD = {
    **TINY_SVD,
    "unet": {**TINY_SVD["unet"], "block_out_channels": [32, 64], "num_frames": 8, "sample_size": 32},
    "vae": {**TINY_SVD["vae"], "block_out_channels": [32, 32, 32, 32], "down_block_types": ["DownEncoderBlock2D"] * 4, "sample_size": 256},
    "pipeline": {**TINY_SVD["pipeline"], "frames": 8, "height": 256, "width": 256},
}

CONFIGS = {
    ("animatediff", "tiny"): TINY_ANIMATEDIFF,
    ("animatediff", "small"): SMALL_ANIMATEDIFF,
    ("animatediff", "full"): FULL_ANIMATEDIFF,
    ("svd", "tiny"): TINY_SVD,
    ("svd", "small"): SMALL_SVD,
    ("svd", "full"): FULL_SVD,
}
