import { HarnessError } from '../harness/harness-error.ts';
import { STAGE_NAMES, type ResolvedSuite, type RunResult, type VariantOk } from '../harness/results-schema.ts';
import { assertComparable, latestPerPair, pairKey, type SelectedResult } from './comparable-runs.ts';
import { judgeTimeChange } from './time-change.ts';
import type {
  ChangeThresholds,
  CompareOptions,
  ComparisonSide,
  MetricComparison,
  RunComparison,
  SideStatus,
  VariantComparison,
  Verdict,
  VerdictCounts,
} from './types.ts';

/** Thresholds used where neither the suite nor the command line sets one. */
export const DEFAULT_THRESHOLDS: Readonly<ChangeThresholds> = { timePct: 5, memoryPct: 2, fidelityPsnrDb: 0.5 };

/** Significance level of the time test unless told otherwise. */
export const DEFAULT_ALPHA = 0.05;

/**
 * Compares BASE runs with HEAD runs per model, variant, stage and metric. Each side may be several runs
 * (a folder): every (model, variant) is taken from the latest run of its side that has it.
 *
 * Thresholds, most specific first: the HEAD suite's entry for the variant, then `options.thresholds`
 * (command-line flags), then the HEAD suite's default, then DEFAULT_THRESHOLDS. Time changes must also
 * pass a significance test (see judgeTimeChange); memory peaks and PSNR are judged by threshold alone,
 * as they are single figures per variant, not samples.
 */
export function compareRuns(base: readonly RunResult[], head: readonly RunResult[], options: CompareOptions = {}): RunComparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 1)) throw new HarnessError('bad-alpha', `alpha must be between 0 and 1, got ${alpha}`);
  assertComparable(base, head);
  const baseSelected = latestPerPair(base);
  const headSelected = latestPerPair(head);
  const headSuite = newest(head).suite;
  const notes: string[] = [];
  const variants = orderedPairs(headSuite, newest(base).suite, baseSelected, headSelected).map(([model, variant]) => {
    const thresholds = thresholdsFor(headSuite, variant, options.thresholds);
    return compareVariant(model, variant, baseSelected.get(pairKey(model, variant)), headSelected.get(pairKey(model, variant)), thresholds, alpha, notes);
  });
  notes.unshift(...sideNotes(baseSelected, headSelected, headSuite));
  const counts: VerdictCounts = { regression: 0, improvement: 0, unchanged: 0, incomparable: 0 };
  for (const v of variants) {
    if (v.metrics.length === 0) counts[v.status]++;
    for (const m of v.metrics) counts[m.status]++;
  }
  return {
    suite: headSuite.name,
    device: newest(head).context.executionProvider,
    base: side('BASE', baseSelected),
    head: side('HEAD', headSelected),
    alpha,
    thresholds: thresholdsFor(headSuite, null, options.thresholds),
    selection: 'latest-per-pair',
    counts,
    notes,
    variants,
  };
}

/** Whether any metric or variant of the comparison regressed. */
export function hasRegression(comparison: RunComparison): boolean {
  return comparison.counts.regression > 0;
}

function thresholdsFor(suite: ResolvedSuite, variant: string | null, overrides: Partial<ChangeThresholds> | undefined): ChangeThresholds {
  const defined = <T extends object>(o: T | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));
  return {
    ...DEFAULT_THRESHOLDS,
    ...defined(suite.thresholds?.default),
    ...defined(overrides),
    ...(variant === null ? {} : defined(suite.thresholds?.variants?.[variant])),
  } as ChangeThresholds;
}

function compareVariant(
  model: string,
  variant: string,
  base: SelectedResult | undefined,
  head: SelectedResult | undefined,
  thresholds: ChangeThresholds,
  alpha: number,
  notes: string[],
): VariantComparison {
  const baseStatus: SideStatus = base?.result.status ?? 'absent';
  const headStatus: SideStatus = head?.result.status ?? 'absent';
  const verdict = (status: Verdict, reason: string): VariantComparison => ({ model, variant, status, baseStatus, headStatus, reason, metrics: [] });
  if (base?.result.status !== 'ok' || head?.result.status !== 'ok') {
    const headError = head?.result.status === 'error' ? `${head.result.error.code}: ${head.result.error.message}` : '';
    if (baseStatus === 'ok' && headStatus === 'error') return verdict('regression', `fails in HEAD (${headError})`);
    if (baseStatus === 'error' && headStatus === 'ok') return verdict('improvement', 'failed in BASE, runs in HEAD');
    if (baseStatus === 'error' && headStatus === 'error') return verdict('incomparable', `fails in both (HEAD: ${headError})`);
    return verdict('incomparable', baseStatus === 'absent' ? 'not measured in BASE' : 'not measured in HEAD');
  }
  const b = base.result;
  const h = head.result;
  const changed = Object.keys({ ...b.variant, ...h.variant }).filter(
    (k) => JSON.stringify(b.variant[k as keyof typeof b.variant]) !== JSON.stringify(h.variant[k as keyof typeof h.variant]),
  );
  if (changed.length > 0) notes.push(`${model} / ${variant}: variant settings differ between BASE and HEAD (${changed.join(', ')})`);
  const metrics = [...timeRows(b, h, thresholds, alpha), ...hostMemoryRows(b, h, thresholds), ...gpuMemoryRows(b, h, thresholds), ...fidelityRows(b, h, thresholds)];
  const status: Verdict = metrics.some((m) => m.status === 'regression')
    ? 'regression'
    : metrics.some((m) => m.status === 'improvement')
      ? 'improvement'
      : metrics.every((m) => m.status === 'incomparable')
        ? 'incomparable'
        : 'unchanged';
  return { model, variant, status, baseStatus, headStatus, reason: null, metrics };
}

function timeRows(b: VariantOk, h: VariantOk, thresholds: ChangeThresholds, alpha: number): MetricComparison[] {
  return STAGE_NAMES.map((stage) => {
    const judged = judgeTimeChange(b.stages[stage], h.stages[stage], thresholds.timePct, alpha);
    return {
      model: h.model,
      variant: h.variant.name,
      stage,
      metric: 'time',
      unit: 'ms',
      status: judged.status,
      base: b.stages[stage].medianMs,
      head: h.stages[stage].medianMs,
      change: judged.change,
      threshold: thresholds.timePct,
      evidence: judged.evidence,
    };
  });
}

function hostMemoryRows(b: VariantOk, h: VariantOk, thresholds: ChangeThresholds): MetricComparison[] {
  return STAGE_NAMES.flatMap((stage) => {
    const base = b.hostMemory[stage]?.peakRssBytes;
    const head = h.hostMemory[stage]?.peakRssBytes;
    if (base === undefined && head === undefined) return [];
    const key = { model: h.model, variant: h.variant.name, stage, metric: 'host-memory' as const, unit: 'bytes' as const };
    return [memoryRow(key, base, head, thresholds.memoryPct)];
  });
}

function gpuMemoryRows(b: VariantOk, h: VariantOk, thresholds: ChangeThresholds): MetricComparison[] {
  if (b.gpuMemory.status !== 'ok' && h.gpuMemory.status !== 'ok') return [];
  const key = { model: h.model, variant: h.variant.name, stage: 'total' as const, metric: 'gpu-memory' as const, unit: 'bytes' as const };
  if (b.gpuMemory.status !== 'ok' || h.gpuMemory.status !== 'ok') {
    const missing = b.gpuMemory.status !== 'ok' ? b.gpuMemory : h.gpuMemory;
    const reason = `no GPU memory in ${b.gpuMemory.status !== 'ok' ? 'BASE' : 'HEAD'}${missing.status === 'unavailable' ? `: ${missing.reason}` : ''}`;
    return [{ ...key, status: 'incomparable', reason, base: null, head: null }];
  }
  const baseGpus = b.gpuMemory.perGpu;
  const headGpus = h.gpuMemory.perGpu;
  // The same machine reports the same UUIDs; on two machines the GPUs can only be paired by position.
  const byUuid = headGpus.every((g) => baseGpus.some((x) => x.uuid === g.uuid));
  return headGpus.flatMap((headGpu, index) => {
    const baseGpu = byUuid ? baseGpus.find((x) => x.uuid === headGpu.uuid) : baseGpus[index];
    return STAGE_NAMES.flatMap((stage) => {
      const base = baseGpu?.stages[stage]?.peakUsedBytes;
      const head = headGpu.stages[stage]?.peakUsedBytes;
      if (base === undefined && head === undefined) return [];
      return [memoryRow({ ...key, stage, gpu: { index, name: headGpu.name } }, base, head, thresholds.memoryPct)];
    });
  });
}

type RowKey = Pick<MetricComparison, 'model' | 'variant' | 'stage' | 'metric' | 'unit' | 'gpu'>;

function memoryRow(key: RowKey, base: number | undefined, head: number | undefined, thresholdPct: number): MetricComparison {
  if (base === undefined || head === undefined) {
    return { ...key, status: 'incomparable', reason: `not measured in ${base === undefined ? 'BASE' : 'HEAD'}`, base: base ?? null, head: head ?? null };
  }
  const change = base === 0 ? (head === 0 ? 0 : null) : ((head - base) / base) * 100;
  const large = change === null || (change !== 0 && Math.abs(change) >= thresholdPct);
  const status = !large ? 'unchanged' : head > base ? 'regression' : 'improvement';
  return { ...key, status, base, head, change, threshold: thresholdPct, evidence: { method: 'threshold' } };
}

function fidelityRows(b: VariantOk, h: VariantOk, thresholds: ChangeThresholds): MetricComparison[] {
  if (!b.fidelity && !h.fidelity) return [];
  const key = { model: h.model, variant: h.variant.name, stage: null, metric: 'fidelity-psnr' as const, unit: 'dB' as const };
  if (!b.fidelity || !h.fidelity) {
    return [{ ...key, status: 'incomparable', reason: `no fidelity in ${b.fidelity ? 'HEAD' : 'BASE'}`, base: b.fidelity?.psnrDb ?? null, head: h.fidelity?.psnrDb ?? null }];
  }
  const base = b.fidelity.psnrDb;
  const head = h.fidelity.psnrDb;
  const threshold = thresholds.fidelityPsnrDb;
  const row = (status: 'regression' | 'improvement' | 'unchanged', change: number | null): MetricComparison => ({
    ...key,
    status,
    base,
    head,
    change,
    threshold,
    evidence: { method: 'threshold' },
  });
  // null PSNR means frames identical to the baseline's: losing that is a regression whatever the threshold.
  if (base === null || head === null) return [base === head ? row('unchanged', 0) : row(base === null ? 'regression' : 'improvement', null)];
  const change = head - base;
  if (change === 0 || Math.abs(change) < threshold) return [row('unchanged', change)];
  return [row(change < 0 ? 'regression' : 'improvement', change)];
}

function orderedPairs(headSuite: ResolvedSuite, baseSuite: ResolvedSuite, base: Map<string, SelectedResult>, head: Map<string, SelectedResult>): [string, string][] {
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  const add = (model: string, variant: string) => {
    const key = pairKey(model, variant);
    if (!seen.has(key) && (base.has(key) || head.has(key))) pairs.push([model, variant]);
    seen.add(key);
  };
  for (const suite of [headSuite, baseSuite]) for (const model of suite.models) for (const v of suite.variants) add(model, v.name);
  for (const { result } of [...head.values(), ...base.values()]) add(result.model, result.variant.name);
  return pairs;
}

function newest(runs: readonly RunResult[]): RunResult {
  return runs.reduce((a, b) => (Date.parse(b.startedAt) > Date.parse(a.startedAt) ? b : a));
}

function side(label: 'BASE' | 'HEAD', selected: Map<string, SelectedResult>): ComparisonSide {
  const runs = [...new Map([...selected.values()].map(({ run }) => [run.runId, run])).values()];
  return {
    label,
    runIds: runs.map((r) => r.runId),
    commits: [...new Set(runs.flatMap((r) => (r.context.git ? [r.context.git.commit] : [])))],
    dirty: runs.some((r) => r.context.git?.dirty === true),
    machines: [...new Set(runs.map((r) => `${r.context.machine.hostname} (${r.context.machine.fingerprint})`))],
  };
}

function sideNotes(base: Map<string, SelectedResult>, head: Map<string, SelectedResult>, headSuite: ResolvedSuite): string[] {
  const notes: string[] = [];
  const b = side('BASE', base);
  const h = side('HEAD', head);
  const fingerprints = (s: Map<string, SelectedResult>) => new Set([...s.values()].map(({ run }) => run.context.machine.fingerprint));
  const bf = fingerprints(base);
  const hf = fingerprints(head);
  if (bf.size !== hf.size || [...bf].some((f) => !hf.has(f))) {
    notes.push(`BASE ran on ${b.machines.join(', ')} and HEAD on ${h.machines.join(', ')}: differences include the hardware`);
  }
  for (const s of [b, h]) if (s.dirty) notes.push(`${s.label} was measured with uncommitted changes (git dirty)`);
  const forms = (s: Map<string, SelectedResult>) => [...new Set([...s.values()].map(({ run }) => (run.suite.session.fuseAttention ? 'fused' : 'unfused')))].sort().join(' and ');
  if (forms(base) !== forms(head)) notes.push(`BASE computed attention ${forms(base)} and HEAD ${forms(head)} (session.fuseAttention): differences include the attention form`);
  const names = new Set(headSuite.variants.map((v) => v.name));
  for (const name of Object.keys(headSuite.thresholds?.variants ?? {})) {
    if (!names.has(name)) notes.push(`suite thresholds name variant "${name}", which is not in the suite`);
  }
  return notes;
}
