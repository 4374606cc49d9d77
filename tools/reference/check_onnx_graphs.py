"""Checks ONNX files with the `onnx` package as a user's own tooling would open them.

For each path: onnx.load with its external data (which refuses hard-linked or escaping data files),
onnx.checker.check_model(full_check=True) on the file, and strict shape inference with type checks. Prints one
JSON line per file: {"path", "ok", "error"}.

    /path/to/venv/bin/python tools/reference/check_onnx_graphs.py FILE.onnx [FILE.onnx ...]
"""

import json
import sys

import onnx
from onnx import checker, shape_inference


def check(path):
    try:
        model = onnx.load(path)
        checker.check_model(path, full_check=True)
        shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
        return {"path": path, "ok": True, "error": None}
    except Exception as error:  # noqa: BLE001 - every failure is reported, per file
        return {"path": path, "ok": False, "error": f"{type(error).__name__}: {error}"}


def main():
    for path in sys.argv[1:]:
        print(json.dumps(check(path)), flush=True)


if __name__ == "__main__":
    main()
