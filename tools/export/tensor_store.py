"""Writes tensors as raw little-endian files plus one JSON index, which TypeScript reads without a .npy parser."""

import json
from pathlib import Path

import numpy as np
import torch

DTYPES = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}


class TensorStore:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index = {}

    def put(self, name, value, note=None):
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        if array.dtype not in DTYPES:
            raise TypeError(f"{name}: unsupported dtype {array.dtype}")
        file_name = f"{name}.bin"
        np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tofile(self.folder / file_name)
        entry = {"file": file_name, "dtype": DTYPES[array.dtype], "shape": list(array.shape)}
        if note:
            entry["note"] = note
        self.index[name] = entry

    def save(self, extra):
        text = json.dumps({**extra, "tensors": self.index}, indent=2)
        (self.folder / "reference.json").write_text(text + "\n")
