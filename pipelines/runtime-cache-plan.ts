import { CACHE_FEATURE } from './onnx/graph-splitter.ts';
import type { ModelSession, OrtTensor } from './ort-backend.ts';
import { floatTensor, readFloat, tensorBytes } from './ort-backend.ts';
import type { RuntimeCacheOptions, StepPlan } from './types.ts';

/** The rows of a [batch, ...] array, concatenated. */
function rowsOf(data: Float32Array, batch: number, rows: readonly number[]): Float32Array {
  const size = data.length / batch;
  const out = new Float32Array(rows.length * size);
  rows.forEach((row, i) => out.set(data.subarray(row * size, (row + 1) * size), i * size));
  return out;
}

/** `target` with `rows` taken from `source` (both [batch, ...], same shape), as a new tensor. */
async function withRows(target: OrtTensor, source: OrtTensor, rows: readonly number[]): Promise<OrtTensor> {
  const data = Float32Array.from(await readFloat(target));
  const from = await readFloat(source);
  const size = data.length / target.dims[0]!;
  for (const row of rows) data.set(from.subarray(row * size, (row + 1) * size), row * size);
  return floatTensor(data, target.dims);
}

/**
 * A run-time cache as a step plan: every step runs the head; the decider reads one of its outputs per call of the
 * source pipeline, and each call it says to compute has the cached blocks run (rest graph, whose residual is kept),
 * the others reuse their kept residual (cached rest graph). When the calls of one step disagree both graphs run on
 * the batch and each call's rows are taken from the graph its decision chose, so each call's result is the one it
 * would get alone.
 */
export function runtimeCachePlan(options: RuntimeCacheOptions): StepPlan {
  const { head, rest, cachedRest, calls, decider } = options;
  // The kept residual stays the tensor the runtime returned; rows are copied only when the calls of a step disagree.
  let kept: OrtTensor | null = null;
  let peakBytes = 0;
  const pick = (session: ModelSession, ...sources: Record<string, OrtTensor>[]) =>
    Object.fromEntries(session.inputNames.map((name) => [name, sources.find((s) => s[name])?.[name]!]));
  return {
    async predict(index, feeds) {
      const handed = await head.run(pick(head, feeds));
      // A decider that decides from the step alone (MagCache) reads nothing from the head.
      const measured = decider.input === null ? null : handed[decider.input]!;
      const values = measured ? await readFloat(measured) : null;
      const decisions = calls.map((c, i) => ({ call: c.call, ...decider.decide(i, index, values ? rowsOf(values, measured!.dims[0]!, c.rows) : new Float32Array(0)) }));
      const computedRows = calls.flatMap((c, i) => (decisions[i]!.computed ? c.rows : []));
      const reusedRows = calls.flatMap((c, i) => (decisions[i]!.computed ? [] : c.rows));
      let computed: OrtTensor | null = null;
      let reused: OrtTensor | null = null;
      if (computedRows.length) {
        const out = await rest.run(pick(rest, feeds, handed));
        const feature = out[CACHE_FEATURE]!;
        if (decider.afterCompute) {
          const residual = await readFloat(feature);
          calls.forEach((c, i) => {
            if (decisions[i]!.computed) Object.assign(decisions[i]!, decider.afterCompute!(i, index, rowsOf(residual, feature.dims[0]!, c.rows), feature.dims.at(-1)!));
          });
        }
        kept = kept && reusedRows.length ? await withRows(kept, feature, computedRows) : feature;
        computed = out[options.noisePrediction]!;
      }
      if (reusedRows.length) {
        if (!kept) throw new Error('a call reused the cached blocks before any step computed them');
        const out = await cachedRest.run(pick(cachedRest, feeds, handed, { [CACHE_FEATURE]: kept }));
        reused = out[options.noisePrediction]!;
      }
      peakBytes = Math.max(peakBytes, (kept ? tensorBytes(kept) : 0) + decider.bytes());
      return {
        prediction: computed && reused ? await withRows(computed, reused, reusedRows) : (computed ?? reused)!,
        kind: computedRows.length ? 'full' : 'cached',
        decision: { method: options.method, threshold: decider.threshold, calls: decisions },
      };
    },
    afterStep() {},
    end() {
      kept = null;
      decider.clear();
    },
    report() {
      return { peakBytes, location: peakBytes ? 'host' : 'none', ...(peakBytes ? { note: 'the cached blocks\' residual and what each call\'s decision compares against, kept in host memory where the decision reads them' } : {}) };
    },
  };
}
