import { readFile, rm } from 'node:fs/promises';
import type { StageName } from '../pipelines/types.ts';
import { profiledKernelFlops } from './profiled-kernel-work.ts';
import type { VariantOk } from './results-schema.ts';

/** One node event of ORT's Chrome-trace profile. */
interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string; activation_size?: string | number; output_size?: string | number; input_type_shape?: unknown; output_type_shape?: unknown };
}

const TOP = 10;

/** Each tensor's dims of a trace's `input_type_shape` or `output_type_shape` ([{ "float": [dims] }, ...]). */
function dimsOf(value: unknown): number[][] {
  return Array.isArray(value) ? value.map((entry) => (Object.values(entry as Record<string, number[]>)[0] ?? []).map(Number)) : [];
}

function shapesOf(args: NonNullable<TraceEvent['args']>): string | undefined {
  const describe = (value: unknown) => dimsOf(value).map((dims) => `[${dims.join(',')}]`).join(' ');
  const text = [describe(args.input_type_shape), describe(args.output_type_shape)].filter(Boolean).join(' → ');
  return text || undefined;
}

/**
 * Top operators per stage from the profiling pass's traces: by total kernel time (per operator type) and
 * by activation/output size (per node). Trace files are removed once read.
 */
export async function summariseProfile(files: readonly { stage: StageName; file: string }[]): Promise<NonNullable<VariantOk['profile']>> {
  const byStage = new Map<StageName, TraceEvent[]>();
  for (const { stage, file } of files) {
    const events = JSON.parse(await readFile(file, 'utf8')) as TraceEvent[];
    await rm(file, { force: true });
    byStage.set(stage, [...(byStage.get(stage) ?? []), ...events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time') && e.args?.op_name)]);
  }
  const profile: NonNullable<VariantOk['profile']> = {};
  for (const [stage, events] of byStage) {
    // An operator's work is reported only when every call of it could be counted: a partial sum would overstate its rate.
    const perOp = new Map<string, { totalUs: number; count: number; flops: number | undefined }>();
    for (const e of events) {
      const op = e.args!.op_name!;
      const entry = perOp.get(op) ?? { totalUs: 0, count: 0, flops: 0 };
      const flops = profiledKernelFlops(op, dimsOf(e.args!.input_type_shape), dimsOf(e.args!.output_type_shape));
      entry.totalUs += e.dur ?? 0;
      entry.count += 1;
      entry.flops = entry.flops === undefined || flops === undefined ? undefined : entry.flops + flops;
      perOp.set(op, entry);
    }
    const largest = new Map<string, { op: string; node: string; activationBytes: number; outputBytes: number; shapes?: string }>();
    for (const e of events) {
      const node = e.name!.replace(/_kernel_time$/, '');
      const activationBytes = Number(e.args!.activation_size ?? 0);
      const outputBytes = Number(e.args!.output_size ?? 0);
      const shapes = shapesOf(e.args!);
      if (!largest.has(node)) largest.set(node, { op: e.args!.op_name!, node, activationBytes, outputBytes, ...(shapes ? { shapes } : {}) });
    }
    profile[stage] = {
      byTime: [...perOp.entries()]
        .map(([op, v]) => ({ op, totalUs: v.totalUs, count: v.count, ...(v.flops ? { flops: v.flops } : {}) }))
        .sort((a, b) => b.totalUs - a.totalUs)
        .slice(0, TOP),
      kernelUs: events.reduce((sum, e) => sum + (e.dur ?? 0), 0),
      bySize: [...largest.values()].sort((a, b) => b.activationBytes + b.outputBytes - (a.activationBytes + a.outputBytes)).slice(0, TOP),
    };
  }
  return profile;
}
