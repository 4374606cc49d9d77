"""Records what StableVideoDiffusionPipeline feeds its CLIP image encoder for a downscaled image, as a test fixture.

Follows `StableVideoDiffusionPipeline._encode_image` with diffusers' own `_resize_with_antialiasing` and
transformers' CLIPImageProcessor, for a random 8-bit RGB image of 90×70 (H×W) resized to 32×32 (the real pipeline
resizes to 224×224; a small size keeps the fixture small). Writes raw little-endian files and an index.json to
test/fixtures/clip-image-preprocess/.

    /path/to/venv/bin/python tools/reference/clip_image_preprocess_reference.py [output-folder]
"""

import json
import sys
from pathlib import Path

import diffusers
import numpy as np
import PIL.Image
import torch
import transformers
from diffusers.image_processor import VaeImageProcessor
from diffusers.pipelines.stable_video_diffusion.pipeline_stable_video_diffusion import _resize_with_antialiasing
from transformers import CLIPImageProcessor

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "test" / "fixtures" / "clip-image-preprocess"
SEED = 20251005
HEIGHT, WIDTH, SIZE = 90, 70, 32


def pixel_values(pil_image, size):
    # The steps of `_encode_image` for a non-tensor image, with the target size made a parameter.
    image = VaeImageProcessor.numpy_to_pt(VaeImageProcessor.pil_to_numpy(pil_image))
    image = image * 2.0 - 1.0
    image = _resize_with_antialiasing(image, (size, size))
    image = (image + 1.0) / 2.0
    return CLIPImageProcessor()(
        images=image, do_normalize=True, do_center_crop=False, do_resize=False, do_rescale=False, return_tensors="pt"
    ).pixel_values


def write(folder, name, array, note):
    file_name = f"{name}.bin"
    np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tofile(folder / file_name)
    return {"file": file_name, "dtype": str(array.dtype), "shape": list(array.shape), "note": note}


def main():
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(SEED).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    with torch.no_grad():
        output = pixel_values(PIL.Image.fromarray(pixels), SIZE).numpy()
    index = {
        "description": "StableVideoDiffusionPipeline._encode_image preprocessing (antialiased resize, CLIP normalisation)",
        "seed": SEED,
        "size": SIZE,
        "versions": {"diffusers": diffusers.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "tensors": {
            "image": write(folder, "image", pixels.transpose(2, 0, 1).copy(), "8-bit RGB image, planar [3, H, W]; the pipeline divides by 255"),
            "pixel_values": write(folder, "pixel_values", output, "image_encoder input [1, 3, size, size]"),
        },
    }
    (folder / "index.json").write_text(json.dumps(index, indent=2) + "\n")


if __name__ == "__main__":
    main()
