"""Builds the diffusers / transformers models of a pipeline from a config dict, with random weights from a fixed seed."""

import torch
from diffusers import (
    AutoencoderKL,
    AutoencoderKLTemporalDecoder,
    MotionAdapter,
    UNet2DConditionModel,
    UNetMotionModel,
    UNetSpatioTemporalConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPVisionConfig, CLIPVisionModelWithProjection


def _seeded(seed):
    torch.manual_seed(seed)


def build_animatediff(config, seed):
    """UNetMotionModel (SD UNet + motion adapter when the config has one), CLIP text encoder, AutoencoderKL."""
    _seeded(seed)
    if "motion_adapter" in config:
        unet = UNetMotionModel.from_unet2d(UNet2DConditionModel(**config["unet"]), MotionAdapter(**config["motion_adapter"]))
    else:
        unet = UNetMotionModel(**config["unet"])
    text_encoder = CLIPTextModel(CLIPTextConfig(**config["text_encoder"]))
    vae = AutoencoderKL(**config["vae"])
    return {"unet": unet.eval(), "text_encoder": text_encoder.eval(), "vae": vae.eval()}


def build_svd(config, seed):
    """UNetSpatioTemporalConditionModel, CLIP vision encoder with projection, AutoencoderKLTemporalDecoder."""
    _seeded(seed)
    unet = UNetSpatioTemporalConditionModel(**config["unet"])
    image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(**config["image_encoder"]))
    vae = AutoencoderKLTemporalDecoder(**config["vae"])
    return {"unet": unet.eval(), "image_encoder": image_encoder.eval(), "vae": vae.eval()}


def build(pipeline, config, seed):
    return build_animatediff(config, seed) if pipeline == "animatediff" else build_svd(config, seed)


def randomise_norms(models, seed):
    """Random weights for normalisation layers too: their default ones/zeros would hide layout mistakes in parity tests."""
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for model in models.values():
            for module in model.modules():
                if isinstance(module, (torch.nn.GroupNorm, torch.nn.LayerNorm)) and module.weight is not None:
                    module.weight.copy_(1 + 0.1 * torch.randn(module.weight.shape, generator=generator))
                    module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=generator))


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())
