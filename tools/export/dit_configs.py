"""Model configs of the diffusion-transformer video pipelines (Wan, EasyAnimate) for the exporter.

`tiny`: the real model classes at the smallest widths they accept (random weights, a few MB, committed as test
fixtures); `small`: the tiny topologies at a CPU-sized resolution where activations dominate memory; `full`: the
published Wan 2.1 T2V 1.3B and EasyAnimate v5.1 configs (random weights, external data, for GPU machines).
"""

# ---------------------------------------------------------------- Wan 2.1 (text-to-video)

# Wan-AI/Wan2.1-T2V-1.3B-Diffusers scheduler/scheduler_config.json: UniPC in flow-prediction mode.
WAN_UNIPC = {
    "num_train_timesteps": 1000,
    "prediction_type": "flow_prediction",
    "use_flow_sigmas": True,
    "flow_shift": 3.0,
    "solver_order": 2,
    "solver_type": "bh2",
    "lower_order_final": True,
    "disable_corrector": [],
    "predict_x0": True,
    "final_sigmas_type": "zero",
    "timestep_spacing": "linspace",
    "beta_start": 0.0001,
    "beta_end": 0.02,
    "beta_schedule": "linear",
}

# TeaCache4Wan2.1 (ali-vilab/TeaCache), Wan 2.1 T2V 1.3B without retention steps: the polynomial that rescales the
# relative L1 change of the timestep embedding, highest power first. Fitted on the published weights; on random
# weights it is only the published rescaling.
WAN_T2V_1_3B_TEACACHE = [2.39676752e+03, -1.31110545e+03, 2.01331979e+02, -8.29855975e+00, 1.37887774e-01]

TINY_WAN = {
    "transformer": {
        "patch_size": [1, 2, 2],
        "num_attention_heads": 2,
        # Wan's rotary embedding splits a head into time/height/width parts of 2·(d // 6) for height and width.
        "attention_head_dim": 12,
        "in_channels": 4,
        "out_channels": 4,
        "text_dim": 32,
        "freq_dim": 32,
        "ffn_dim": 48,
        "num_layers": 4,
        "cross_attn_norm": True,
        "qk_norm": "rms_norm_across_heads",
        "eps": 1e-6,
        "rope_max_seq_len": 64,
    },
    "text_encoder": {
        "vocab_size": 1000,
        "d_model": 32,
        "d_kv": 8,
        "d_ff": 64,
        "num_layers": 2,
        "num_heads": 4,
        "relative_attention_num_buckets": 8,
        "relative_attention_max_distance": 16,
        "feed_forward_proj": "gated-gelu",
        "dropout_rate": 0.0,
        "pad_token_id": 0,
        "eos_token_id": 1,
    },
    "vae": {
        "base_dim": 8,
        "z_dim": 4,
        "dim_mult": [1, 2, 2, 2],
        "num_res_blocks": 1,
        "attn_scales": [],
        "temperal_downsample": [False, True, True],
        "latents_mean": [-0.75, -0.7, 0.1, 0.96],
        "latents_std": [2.8, 1.45, 2.33, 1.22],
    },
    # 9 frames of 32×32: 3 latent frames of 4×4 (the VAE compresses time by 4 after the first frame, space by 8).
    "pipeline": {"frames": 9, "height": 32, "width": 32, "steps": 4, "guidance_scale": 5.0, "max_sequence_length": 16},
}

SMALL_WAN = {**TINY_WAN, "pipeline": {**TINY_WAN["pipeline"], "frames": 17, "height": 256, "width": 256}}

# Wan-AI/Wan2.1-T2V-1.3B-Diffusers: transformer/config.json, text_encoder/config.json (google/umt5-xxl encoder),
# vae/config.json (AutoencoderKLWan's defaults, latents_mean/std included), and WanPipeline's defaults.
FULL_WAN = {
    "transformer": {
        "patch_size": [1, 2, 2],
        "num_attention_heads": 12,
        "attention_head_dim": 128,
        "in_channels": 16,
        "out_channels": 16,
        "text_dim": 4096,
        "freq_dim": 256,
        "ffn_dim": 8960,
        "num_layers": 30,
        "cross_attn_norm": True,
        "qk_norm": "rms_norm_across_heads",
        "eps": 1e-6,
        "rope_max_seq_len": 1024,
    },
    "text_encoder": {
        "vocab_size": 256384,
        "d_model": 4096,
        "d_kv": 64,
        "d_ff": 10240,
        "num_layers": 24,
        "num_heads": 64,
        "relative_attention_num_buckets": 32,
        "relative_attention_max_distance": 128,
        "feed_forward_proj": "gated-gelu",
        "dropout_rate": 0.0,
        "pad_token_id": 0,
        "eos_token_id": 1,
    },
    "vae": {"base_dim": 96, "z_dim": 16, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_scales": [],
            "temperal_downsample": [False, True, True]},
    "pipeline": {"frames": 81, "height": 480, "width": 832, "steps": 50, "guidance_scale": 5.0, "max_sequence_length": 512},
}

DIT_CONFIGS = {
    ("wan", "tiny"): TINY_WAN,
    ("wan", "small"): SMALL_WAN,
    ("wan", "full"): FULL_WAN,
}

# ---------------------------------------------------------------- EasyAnimate v5.1 (text-to-video)

# EasyAnimatePipeline's FlowMatchEulerDiscreteScheduler at its class defaults (shift 1, no dynamic shifting; the
# pipeline's mu = 1 then has no effect).
EASYANIMATE_FLOW_EULER = {"num_train_timesteps": 1000, "shift": 1.0, "use_dynamic_shifting": False}

# Qwen2-VL's language model as EasyAnimate v5.1 reads it (hidden states of the second-to-last layer); the vision
# tower is never run by the text-to-video pipeline, so it is built at its smallest.
_TINY_VISION = {"depth": 1, "embed_dim": 16, "hidden_size": 32, "num_heads": 2, "mlp_ratio": 2, "patch_size": 14,
                "spatial_merge_size": 2, "in_channels": 3, "temporal_patch_size": 2}

TINY_EASYANIMATE = {
    "transformer": {
        "num_attention_heads": 2,
        # The 3D rotary embedding splits a head into time (d/4), height and width (3d/8 each), each even.
        "attention_head_dim": 16,
        "in_channels": 4,
        "out_channels": 4,
        "patch_size": 2,
        "sample_width": 16,
        "sample_height": 16,
        "time_embed_dim": 32,
        "text_embed_dim": 32,
        "num_layers": 4,
        "mmdit_layers": 4,
    },
    "text_encoder": {
        "text": {"vocab_size": 1000, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4,
                 "num_key_value_heads": 2, "max_position_embeddings": 64,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 1]}},
        "vision": _TINY_VISION,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": 0,
    },
    "vae": {"in_channels": 3, "latent_channels": 4, "out_channels": 3, "block_out_channels": [8, 16, 16, 16], "layers_per_block": 1,
            "norm_num_groups": 4, "scaling_factor": 0.7125},
    "pipeline": {"frames": 9, "height": 32, "width": 32, "steps": 4, "guidance_scale": 5.0, "max_sequence_length": 16},
}

SMALL_EASYANIMATE = {**TINY_EASYANIMATE, "pipeline": {**TINY_EASYANIMATE["pipeline"], "frames": 17, "height": 256, "width": 256}}

# EasyAnimate v5.1: EasyAnimateTransformer3DModel and AutoencoderKLMagvit at their diffusers class defaults (the
# v5.1 12B transformer and MagVIT VAE) with 16 latent channels in and out, patch 2; Qwen2-VL-7B-Instruct's language
# model as the text encoder; EasyAnimatePipeline's defaults (49 frames of 512×512, 50 steps, guidance 5).
FULL_EASYANIMATE = {
    "transformer": {
        "num_attention_heads": 48,
        "attention_head_dim": 64,
        "in_channels": 16,
        "out_channels": 16,
        "patch_size": 2,
        "sample_width": 90,
        "sample_height": 60,
        "time_embed_dim": 512,
        "text_embed_dim": 3584,
        "num_layers": 48,
        "mmdit_layers": 48,
    },
    "text_encoder": {
        "text": {"vocab_size": 152064, "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28, "num_attention_heads": 28,
                 "num_key_value_heads": 4, "max_position_embeddings": 32768,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]}},
        "vision": _TINY_VISION,
        "bos_token_id": 151643,
        "eos_token_id": 151645,
        "pad_token_id": 151643,
    },
    "vae": {"in_channels": 3, "latent_channels": 16, "out_channels": 3, "block_out_channels": [128, 256, 512, 512], "layers_per_block": 2,
            "norm_num_groups": 32, "scaling_factor": 0.7125},
    "pipeline": {"frames": 49, "height": 512, "width": 512, "steps": 50, "guidance_scale": 5.0, "max_sequence_length": 256},
}

DIT_CONFIGS.update({
    ("easyanimate", "tiny"): TINY_EASYANIMATE,
    ("easyanimate", "small"): SMALL_EASYANIMATE,
    ("easyanimate", "full"): FULL_EASYANIMATE,
})
