import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { countGraphWork } from '../pipelines/onnx/flop-counter.ts';
import { attention, conv2d, linear } from '../pipelines/onnx/ops.ts';

const decode = (b: GraphBuilder) => onnxProto.onnx.ModelProto.decode(b.build().modelBytes);

describe('work counted from an ONNX graph and its shapes', () => {
  it('counts 2·N·Cout·Hout·Wout·Cin·k² for a convolution, strides included', () => {
    const b = new GraphBuilder({ name: 'conv', seed: 1 });
    const x = b.input('x', [2, 8, 16, 16]);
    b.output(conv2d(b, 'c', conv2d(b, 'a', x, 12), 4, { stride: 2, padding: 1 }), 'y');
    const work = countGraphWork(decode(b));
    expect(work.byOp.Conv).toBe(2 * 2 * 12 * 16 * 16 * 8 * 9 + 2 * 2 * 4 * 8 * 8 * 12 * 9);
    expect(work.uncountedNodes).toBe(0);
  });

  it('counts every matrix product of attention: projections, QKᵀ and ·V', () => {
    const [n, t, c, heads] = [3, 10, 16, 4];
    const b = new GraphBuilder({ name: 'attention', seed: 1 });
    b.output(attention(b, 'attn', b.input('x', [n, t, c]), { heads }), 'y');
    const projections = 4 * 2 * n * t * c * c;
    const scores = 2 * n * heads * t * t * (c / heads);
    const weighted = 2 * n * heads * t * (c / heads) * t;
    expect(countGraphWork(decode(b)).byOp.MatMul).toBe(projections + scores + weighted);
  });

  it('reports matrix products whose shapes the file does not state instead of guessing', () => {
    const b = new GraphBuilder({ name: 'linear', seed: 1 });
    b.output(linear(b, 'l', b.input('x', [4, 8]), 5), 'y');
    const model = decode(b);
    model.graph!.valueInfo = [];
    model.graph!.output = [];
    const work = countGraphWork(model);
    expect(work.flops).toBe(0);
    expect(work.uncountedNodes).toBe(1);
  });
});
