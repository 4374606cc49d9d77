"""The lightbench model manifest of an exported diffusion-transformer pipeline (kind `text-to-video-dit`)."""


def dit_manifest(name, config, blocks, module, folder):
    """The manifest document; `module` (wan_models, easyanimate_models) gives its pipeline's sections."""
    p = config["pipeline"]
    sections = module.manifest_sections(config, folder)
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
