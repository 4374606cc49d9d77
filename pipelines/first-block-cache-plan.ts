import { FirstBlockChange } from './first-block-change.ts';
import { FIRST_BLOCK_RESIDUAL } from './onnx/first-block-cache-graphs.ts';
import { CACHE_FEATURE } from './onnx/graph-splitter.ts';
import type { ModelSession, OrtTensor } from './ort-backend.ts';
import { floatTensor, readFloat } from './ort-backend.ts';
import type { CallDecision, StepPlan } from './types.ts';

/** The graphs of a first-block cache, its threshold and the transformer calls it decides for. */
export interface FirstBlockCacheOptions {
  /** The transformer through its first block, also returning that block's image-stream residual. */
  head: ModelSession;
  /** The rest of the transformer, also returning the residual of the remaining blocks (`cache_feature`). */
  rest: ModelSession;
  /** The rest with `cache_feature` added in place of the remaining blocks. */
  cachedRest: ModelSession;
  threshold: number;
  /** Rows of the batch each call of the source pipeline covers: one entry per call, each deciding on its own. */
  calls: { call: CallDecision['call']; rows: readonly number[] }[];
  noisePrediction: string;
}

/** Host copy of a tensor that keeps its shape. */
interface HostTensor {
  data: Float32Array;
  dims: readonly number[];
}

const host = async (tensor: OrtTensor): Promise<HostTensor> => ({ data: Float32Array.from(await readFloat(tensor)), dims: [...tensor.dims] });

/** The rows of a [batch, ...] tensor, concatenated. */
function rowsOf(tensor: HostTensor, rows: readonly number[]): Float32Array {
  const size = tensor.data.length / tensor.dims[0]!;
  const out = new Float32Array(rows.length * size);
  rows.forEach((row, i) => out.set(tensor.data.subarray(row * size, (row + 1) * size), i * size));
  return out;
}

/** `target` with `rows` taken from `source` (both [batch, ...], same shape). */
function withRows(target: HostTensor, source: HostTensor, rows: readonly number[]): HostTensor {
  const size = target.data.length / target.dims[0]!;
  const data = Float32Array.from(target.data);
  for (const row of rows) data.set(source.data.subarray(row * size, (row + 1) * size), row * size);
  return { data, dims: target.dims };
}

/**
 * First Block Cache as a step plan: every step runs the head; each call whose first-block residual changed by more
 * than the threshold since its last computed step has the remaining blocks run (rest graph, whose residual is kept),
 * the others reuse their kept residual (cached rest graph). When the calls of one step disagree both graphs run on
 * the batch and each call's rows are taken from the graph its decision chose, so each call's result is the one it
 * would get alone.
 */
export function firstBlockCachePlan(options: FirstBlockCacheOptions): StepPlan {
  const { head, rest, cachedRest, calls } = options;
  const change = new FirstBlockChange(options.threshold, calls.length);
  let kept: HostTensor | null = null;
  let peakBytes = 0;
  const pick = (session: ModelSession, ...sources: Record<string, OrtTensor>[]) =>
    Object.fromEntries(session.inputNames.map((name) => [name, sources.find((s) => s[name])?.[name]!]));
  return {
    async predict(_index, feeds) {
      const handed = await head.run(pick(head, feeds));
      const residual = await host(handed[FIRST_BLOCK_RESIDUAL]!);
      const decisions = calls.map((c, i) => ({ call: c.call, ...change.decide(i, rowsOf(residual, c.rows)) }));
      const computedRows = calls.flatMap((c, i) => (decisions[i]!.computed ? c.rows : []));
      const reusedRows = calls.flatMap((c, i) => (decisions[i]!.computed ? [] : c.rows));
      let computed: HostTensor | null = null;
      let reused: HostTensor | null = null;
      if (computedRows.length) {
        const out = await rest.run(pick(rest, feeds, handed));
        const feature = await host(out[CACHE_FEATURE]!);
        kept = kept && reusedRows.length ? withRows(kept, feature, computedRows) : feature;
        computed = await host(out[options.noisePrediction]!);
      }
      if (reusedRows.length) {
        if (!kept) throw new Error('a call reused the remaining blocks before any step computed them');
        const out = await cachedRest.run(pick(cachedRest, feeds, handed, { [CACHE_FEATURE]: floatTensor(kept.data, kept.dims) }));
        reused = await host(out[options.noisePrediction]!);
      }
      peakBytes = Math.max(peakBytes, (kept?.data.byteLength ?? 0) + change.bytes());
      const made = computed && reused ? withRows(computed, reused, reusedRows) : (computed ?? reused)!;
      return {
        prediction: floatTensor(made.data, made.dims),
        kind: computedRows.length ? 'full' : 'cached',
        decision: { method: 'first-block-cache', threshold: options.threshold, calls: decisions },
      };
    },
    afterStep() {},
    end() {
      kept = null;
      change.clear();
    },
    report() {
      return { peakBytes, location: peakBytes ? 'host' : 'none', ...(peakBytes ? { note: 'the remaining blocks\' residual and each call\'s reference first-block residual, kept in host memory where the decision reads them' } : {}) };
    },
  };
}
