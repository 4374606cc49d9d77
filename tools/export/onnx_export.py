"""torch.onnx export of one component, and the post-processing the fixtures get."""

import os
import re
from pathlib import Path

import onnx
import torch

# Node metadata the dynamo exporter writes: stack traces, FX nodes and class paths (about 2 KB a node). Only the
# module scope is kept: it is what tells a person which diffusers block a tensor belongs to.
KEPT_METADATA = {"pkg.torch.onnx.name_scopes"}


class Wrapper(torch.nn.Module):
    """Positional inputs in, one tensor out: what an ONNX graph with named inputs and outputs needs."""

    def __init__(self, model, call):
        super().__init__()
        self.model = model
        self.call = call

    def forward(self, *args):
        return self.call(self.model, *args)


def export(model, call, args, path, input_names, output_names, exporter="dynamo", dynamic_shapes=None, opset=None):
    """Exports `call(model, *args)` to `path` with weights in `<path>.data`; returns (ir_version, opset)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = Wrapper(model, call).eval()
    with torch.no_grad():
        if exporter == "dynamo":
            program = torch.onnx.export(
                wrapper,
                tuple(args),
                dynamo=True,
                input_names=input_names,
                output_names=output_names,
                # forward(*args): the inputs are one tuple, so the shapes nest one level deeper.
                dynamic_shapes=(dynamic_shapes,) if dynamic_shapes else None,
                opset_version=opset,
                optimize=True,
                verbose=False,
            )
            program.save(str(path), external_data=True)
        else:
            torch.onnx.export(
                wrapper,
                tuple(args),
                str(path),
                dynamo=False,
                input_names=input_names,
                output_names=output_names,
                opset_version=opset or 17,
                do_constant_folding=True,
            )
    return tidy(path)


def tidy(path):
    """Drops bulky node metadata. Only the graph is rewritten: the weights stay in the external data file the
    exporter wrote beside it (`<file>.data`), so a multi-GB model is never loaded whole."""
    path = Path(path)
    model = onnx.load(str(path), load_external_data=False)
    for node in model.graph.node:
        kept = [p for p in node.metadata_props if p.key in KEPT_METADATA]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    for info in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        del info.metadata_props[:]
    for tensor in model.graph.initializer:
        del tensor.metadata_props[:]
    onnx.save_model(model, str(path))
    onnx.checker.check_model(str(path))
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    return model.ir_version, opset


def files_of(path):
    """The model file and its external data file(s), with sizes."""
    path = Path(path)
    model = onnx.load(str(path), load_external_data=False)
    locations = sorted({entry.value for t in model.graph.initializer for entry in t.external_data if entry.key == "location"})
    return [path.name, *locations], sum(os.path.getsize(path.parent / f) for f in [path.name, *locations])


def name_scopes(node):
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            return eval(prop.value, {"__builtins__": {}})  # a Python list literal of strings
    return []


UP_BLOCK_SCOPE = re.compile(r"(?:^|\.)up_blocks\.(\d+)$")


def up_block_concats(path):
    """The skip concatenations of an exported UNet, read from the exporter's module scopes (independent of the
    graph-structure detection in lightbench): [(up_block, index_in_block, up_path_tensor, skip_tensor)]."""
    model = onnx.load(str(path), load_external_data=False)
    found = []
    counters = {}
    for node in model.graph.node:
        if node.op_type != "Concat":
            continue
        scopes = name_scopes(node)
        # dynamo: the module scope list; TorchScript: the scope is in the node name, "/model/up_blocks.0/Concat_1".
        block_scope = scopes[-2] if len(scopes) >= 2 else ".".join(node.name.strip("/").split("/")[:-1])
        match = UP_BLOCK_SCOPE.search(block_scope)
        if not match:
            continue
        block = int(match.group(1))
        index = counters.get(block, 0)
        counters[block] = index + 1
        found.append((block, index, node.input[0], node.input[1]))
    return found
