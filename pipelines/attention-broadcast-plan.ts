import { reusedKey } from './attention-broadcast-schedule.ts';
import type { OrtTensor } from './ort-backend.ts';
import { floatTensor, readFloat } from './ort-backend.ts';
import type { AttentionBroadcastOptions, AttentionKind, BroadcastCall, StepPlan } from './types.ts';

/** A kind's kept attention outputs: each block's values for the rows of the call that computed them last. */
interface KeptAttention {
  values: Float32Array[];
  dims: number[][];
  rows: number;
}

/**
 * The graph runs one step needs: consecutive calls share a run unless a call reuses a kind an earlier call of the
 * run computes (it then needs that call's fresh output, as diffusers hands the output of one call to the next);
 * within a run, calls that reuse different kinds run their own graphs over the batch and take their rows.
 */
export function broadcastRuns(calls: readonly BroadcastCall[]): BroadcastCall[][] {
  const runs: BroadcastCall[][] = [];
  for (const call of calls) {
    const run = runs.at(-1);
    const needsFresh = run?.some((earlier) => call.attention.some((a) => !a.computed && earlier.attention.some((e) => e.kind === a.kind && e.computed)));
    if (run && !needsFresh) run.push(call);
    else runs.push([call]);
  }
  return runs;
}

/** The graphs (by reuse key) one step runs, in order. */
export function broadcastGraphsRun(calls: readonly BroadcastCall[]): string[] {
  return broadcastRuns(calls).flatMap((run) => [...new Set(run.map((c) => reusedKey(c.attention)))]);
}

/** Rows `rows` of a [batch, ...] array. */
function rowsOf(data: Float32Array, batch: number, rows: readonly number[]): Float32Array {
  const size = data.length / batch;
  const out = new Float32Array(rows.length * size);
  rows.forEach((row, i) => out.set(data.subarray(row * size, (row + 1) * size), i * size));
  return out;
}

/** A kept output of `rows` rows repeated over a batch of `batch` rows. */
function tiled(kept: Float32Array, rows: number, batch: number, dims: readonly number[]): OrtTensor {
  if (rows === batch) return floatTensor(kept, dims);
  const size = kept.length / rows;
  const out = new Float32Array(batch * size);
  for (let b = 0; b < batch; b++) out.set(kept.subarray((b % rows) * size, ((b % rows) + 1) * size), b * size);
  return floatTensor(out, dims);
}

/**
 * Pyramid Attention Broadcast as a step plan: each step's calls run the graph that computes the attention kinds
 * they compute and takes the kept outputs of those they reuse; every computed attention output of a call is kept
 * (host memory) as the one the next reusing call gets, as diffusers' hook keeps one output per attention module.
 */
export function attentionBroadcastPlan(options: AttentionBroadcastOptions): StepPlan {
  const { graphs, outputs, schedule, calls, noisePrediction } = options;
  const rowsOfCall = new Map(calls.map((c) => [c.call, c.rows]));
  const order = new Map(calls.map((c, i) => [c.call, i]));
  // Per kind: each attention output's values for the rows of the call that computed it last.
  const kept = new Map<AttentionKind, KeptAttention>();
  let peakBytes = 0;
  const bytesOf = (k: KeptAttention) => k.values.reduce((sum, v) => sum + v.byteLength, 0);
  const keptBytes = () => [...kept.values()].reduce((sum, k) => sum + bytesOf(k), 0);
  return {
    async predict(index, feeds) {
      const step = schedule[index];
      if (!step) throw new Error(`pab: no decisions for step ${index}`);
      let prediction: Float32Array | null = null;
      let predictionDims: readonly number[] = [];
      for (const run of broadcastRuns(step)) {
        const keys = [...new Set(run.map((c) => reusedKey(c.attention)))];
        // Per kind, the output of the run's last call that computed it: what diffusers' module keeps after the run.
        const fresh = new Map<AttentionKind, { at: number; kept: KeptAttention }>();
        for (const [keyIndex, key] of keys.entries()) {
          const session = graphs.get(key);
          if (!session) throw new Error(`pab: no graph prepared for reusing "${key}" at step ${index}`);
          const given: Record<string, OrtTensor> = {};
          for (const kind of key ? (key.split('+') as AttentionKind[]) : []) {
            const k = kept.get(kind);
            if (!k) throw new Error(`pab: step ${index} reuses ${kind} attention before any call computed it`);
            outputs[kind].forEach((name, j) => {
              given[name] = tiled(k.values[j]!, k.rows, k.dims[j]![0]!, k.dims[j]!);
            });
          }
          const out = await session.run(Object.fromEntries(session.inputNames.map((name) => [name, given[name] ?? feeds[name]!])));
          const noise = out[noisePrediction]!;
          const values = await readFloat(noise);
          const size = values.length / noise.dims[0]!;
          if (!prediction) {
            prediction = new Float32Array(values.length);
            predictionDims = noise.dims;
          }
          for (const call of run.filter((c) => reusedKey(c.attention) === key)) {
            const rows = rowsOfCall.get(call.call)!;
            for (const row of rows) prediction.set(values.subarray(row * size, (row + 1) * size), row * size);
            const at = run.indexOf(call);
            for (const a of call.attention.filter((x) => x.computed)) {
              if ((fresh.get(a.kind)?.at ?? -1) > at) continue;
              // The output it replaces goes as soon as no graph left in this run reads it.
              if (!keys.slice(keyIndex + 1).some((later) => later.split('+').includes(a.kind))) kept.delete(a.kind);
              const taken = await Promise.all(outputs[a.kind].map(async (name) => rowsOf(await readFloat(out[name]!), out[name]!.dims[0]!, rows)));
              fresh.set(a.kind, { at, kept: { values: taken, dims: outputs[a.kind].map((name) => [...out[name]!.dims]), rows: rows.length } });
            }
          }
        }
        // The new outputs exist beside the ones they replace until the run ends.
        peakBytes = Math.max(peakBytes, keptBytes() + [...fresh.values()].reduce((sum, f) => sum + bytesOf(f.kept), 0));
        for (const [kind, value] of fresh) kept.set(kind, value.kept);
      }
      const recorded = [...step].sort((a, b) => order.get(a.call)! - order.get(b.call)!);
      const everything = step.every((c) => c.attention.every((a) => a.computed));
      return {
        prediction: floatTensor(prediction!, predictionDims),
        kind: everything ? 'full' : 'cached',
        decision: { method: 'pab', calls: recorded.map((c) => ({ call: c.call, computed: c.attention.every((a) => a.computed), change: null, attention: c.attention })) },
      };
    },
    afterStep() {},
    end() {
      kept.clear();
    },
    report() {
      return { peakBytes, location: peakBytes ? 'host' : 'none', ...(peakBytes ? { note: 'each block\'s last computed attention outputs (per scheduled kind), kept in host memory for the calls that broadcast them' } : {}) };
    },
  };
}
