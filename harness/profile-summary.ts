import { readFile, rm } from 'node:fs/promises';
import type { StageName } from '../pipelines/types.ts';
import type { VariantOk } from './results-schema.ts';

/** One node event of ORT's Chrome-trace profile. */
interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string; activation_size?: string | number; output_size?: string | number; input_type_shape?: unknown; output_type_shape?: unknown };
}

const TOP = 10;

function shapesOf(args: NonNullable<TraceEvent['args']>): string | undefined {
  const describe = (value: unknown) =>
    Array.isArray(value) ? value.map((entry) => Object.values(entry as Record<string, number[]>).map((dims) => `[${dims.join(',')}]`).join('')).join(' ') : '';
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
    const perOp = new Map<string, { totalUs: number; count: number }>();
    for (const e of events) {
      const entry = perOp.get(e.args!.op_name!) ?? { totalUs: 0, count: 0 };
      entry.totalUs += e.dur ?? 0;
      entry.count += 1;
      perOp.set(e.args!.op_name!, entry);
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
      byTime: [...perOp.entries()].map(([op, v]) => ({ op, totalUs: v.totalUs, count: v.count })).sort((a, b) => b.totalUs - a.totalUs).slice(0, TOP),
      bySize: [...largest.values()].sort((a, b) => b.activationBytes + b.outputBytes - (a.activationBytes + a.outputBytes)).slice(0, TOP),
    };
  }
  return profile;
}
