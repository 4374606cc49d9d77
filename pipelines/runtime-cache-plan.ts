import { CACHE_FEATURE } from './onnx/graph-splitter.ts';
import type { ModelSession, OrtTensor } from './ort-backend.ts';
import { floatTensor, readFloat } from './ort-backend.ts';
import type { CallDecider, CallDecision, RuntimeCacheConfig, StepPlan } from './types.ts';

/** The graphs of a run-time cache, what decides, and the transformer calls it decides for. */
export interface RuntimeCacheOptions {
  method: RuntimeCacheConfig['method'];
  /** The transformer up to the cached blocks, also returning the tensor the decision reads (`decider.input`). */
  head: ModelSession;
  /** The rest of the transformer, also returning the residual of the cached blocks (`cache_feature`). */
  rest: ModelSession;
  /** The rest with `cache_feature` added in place of the cached blocks. */
  cachedRest: ModelSession;
  decider: CallDecider;
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
 * A run-time cache as a step plan: every step runs the head; the decider reads one of its outputs per call of the
 * source pipeline, and each call it says to compute has the cached blocks run (rest graph, whose residual is kept),
 * the others reuse their kept residual (cached rest graph). When the calls of one step disagree both graphs run on
 * the batch and each call's rows are taken from the graph its decision chose, so each call's result is the one it
 * would get alone.
 */
export function runtimeCachePlan(options: RuntimeCacheOptions): StepPlan {
  const { head, rest, cachedRest, calls, decider } = options;
  let kept: HostTensor | null = null;
  let peakBytes = 0;
  const pick = (session: ModelSession, ...sources: Record<string, OrtTensor>[]) =>
    Object.fromEntries(session.inputNames.map((name) => [name, sources.find((s) => s[name])?.[name]!]));
  return {
    async predict(index, feeds) {
      const handed = await head.run(pick(head, feeds));
      const measured = await host(handed[decider.input]!);
      const decisions = calls.map((c, i) => ({ call: c.call, ...decider.decide(i, index, rowsOf(measured, c.rows)) }));
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
      peakBytes = Math.max(peakBytes, (kept?.data.byteLength ?? 0) + decider.bytes());
      const made = computed && reused ? withRows(computed, reused, reusedRows) : (computed ?? reused)!;
      return {
        prediction: floatTensor(made.data, made.dims),
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
