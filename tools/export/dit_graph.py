"""What the DiT manifests say about an exported transformer graph, read from the exporter's module scopes and
ONNX shape inference (independently of lightbench's TypeScript graph code): the tensors between its blocks."""

import re

import onnx

from onnx_export import name_scopes


def _block_of(node, prefix):
    pattern = re.compile(rf"(?:^|\.){re.escape(prefix)}\.(\d+)$")
    for scope in reversed(name_scopes(node)):
        match = pattern.search(scope)
        if match:
            return int(match.group(1))
    return None


def _shapes(model):
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {}
    for info in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    return shapes


def module_output(path, scope):
    """The tensor a module hands out: the first output of the last node inside the module at path `scope`
    (e.g. "condition_embedder.time_embedder")."""
    model = onnx.load(str(path), load_external_data=False)
    inside = [node for node in model.graph.node if any(s == scope or s.endswith(f".{scope}") for s in name_scopes(node))]
    if not inside:
        raise RuntimeError(f"{path}: no node inside module {scope}")
    return inside[-1].output[0]


def block_boundaries(path, prefix, stream_tokens):
    """The block stack's streams between blocks: for each block, the tensor it hands on per stream, and the tensors
    entering the first block. `stream_tokens` maps a stream name to its token count (the second dimension of its
    [batch, tokens, width] tensor), e.g. {"image": 48} or {"image": 48, "text": 16}.

    Returns {"count", "streams", "input": {stream: tensor}, "outputs": [{stream: tensor}, ...]}; the last block
    names no text stream when the graph has dropped it as unread."""
    model = onnx.load(str(path), load_external_data=False)
    shapes = _shapes(model)
    block_of_output = {}
    for node in model.graph.node:
        block = _block_of(node, prefix)
        for output in node.output:
            block_of_output[output] = block
    count = 1 + max(b for b in block_of_output.values() if b is not None)
    handed_on = [set() for _ in range(count)]
    entering_first = set()
    graph_outputs = {o.name for o in model.graph.output}
    for node in model.graph.node:
        consumer = _block_of(node, prefix)
        for name in node.input:
            producer = block_of_output.get(name)
            if producer is not None and producer != consumer:
                handed_on[producer].add(name)
            if consumer == 0 and producer != 0:
                entering_first.add(name)
    for name in graph_outputs:
        if block_of_output.get(name) is not None:
            handed_on[block_of_output[name]].add(name)

    def by_stream(names, what, last=False):
        found = {}
        for stream, tokens in stream_tokens.items():
            matches = sorted(n for n in names if len(shapes.get(n, [])) == 3 and shapes[n][1] == tokens)
            if not matches and last and stream != "image":
                continue  # the last block's text stream is read by nothing, so the exporter dropped it
            if len(matches) != 1:
                raise RuntimeError(f"{what}: expected one [batch, {tokens}, width] tensor for the {stream} stream, found {matches}")
            found[stream] = matches[0]
        return found

    outputs = [by_stream(handed_on[i], f"{prefix}.{i} output", last=i == count - 1) for i in range(count)]
    # Tensors the first block reads that keep the stream's shape: the stream itself, and for a stream the blocks do
    # not change (Wan's text), the same tensor every block reads.
    first_inputs = by_stream({n for n in entering_first if n not in model.graph.initializer}, f"{prefix}.0 input")
    return {"count": count, "streams": list(stream_tokens), "input": first_inputs, "outputs": outputs}
