// The graphs of TeaCache on a diffusion transformer: a head that ends where the block stack starts (returning the
// stack's inputs and the timestep embedding TeaCache measures), the stack and what follows it returning the
// residual the whole stack adds, and the same with that residual added in place of the stack.
import type { OnnxModel } from './model-file.ts';
import { blockCacheGraphs } from './block-cache-graphs.ts';
import type { BlockStream, RuntimeCacheGraphs } from './types.ts';
import { cutGraph } from './graph-cut.ts';

/** The graphs of TeaCache over `streams` (their `input` and `lastOutput`), with `modulatedInput` a head output. */
export function teaCacheGraphs(model: OnnxModel, streams: readonly BlockStream[], modulatedInput: string): RuntimeCacheGraphs {
  const inputs = streams.map((s) => s.input);
  const cut = cutGraph(model, inputs.includes(modulatedInput) ? inputs : [...inputs, modulatedInput]);
  const spans = streams.filter((s) => s.lastOutput !== null).map((s) => ({ start: s.input, end: s.lastOutput!, tokens: s.tokens }));
  const { full, cached } = blockCacheGraphs(cut.rest, spans);
  return { head: cut.head, rest: full, cachedRest: cached, crossing: cut.crossing.map((c) => c.name) };
}
