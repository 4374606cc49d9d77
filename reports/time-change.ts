import type { StageStats } from '../harness/results-schema.ts';
import { mannWhitneyU, minAttainablePValue } from './mann-whitney.ts';
import type { TimeEvidence } from './types.ts';

const MIN_SAMPLES_PER_SIDE = 3;

/**
 * A time change counts only when it is both large (the median moved by at least `thresholdPct`) and
 * real (the raw samples differ significantly). The Mann-Whitney U test decides where it can: with at
 * least 3 samples per side and sample sizes for which a p-value at or below alpha is attainable at all
 * (3 vs 3 cannot go below 0.1). Otherwise the 95% confidence intervals of the means decide: the change
 * is taken as real when they do not overlap, and the verdict says that this weaker criterion was used.
 */
export function judgeTimeChange(
  base: StageStats,
  head: StageStats,
  thresholdPct: number,
  alpha: number,
): { status: 'regression' | 'improvement' | 'unchanged'; change: number | null; evidence: TimeEvidence } {
  const change = base.medianMs === 0 ? (head.medianMs === 0 ? 0 : null) : ((head.medianMs - base.medianMs) / base.medianMs) * 100;
  const evidence = timeEvidence(base, head, alpha);
  const large = change === null || (change !== 0 && Math.abs(change) >= thresholdPct);
  if (!large || !evidence.significant) return { status: 'unchanged', change, evidence };
  return { status: head.medianMs > base.medianMs ? 'regression' : 'improvement', change, evidence };
}

function timeEvidence(base: StageStats, head: StageStats, alpha: number): TimeEvidence {
  const nBase = base.samplesMs.length;
  const nHead = head.samplesMs.length;
  let reason: string | null = null;
  if (nBase < MIN_SAMPLES_PER_SIDE || nHead < MIN_SAMPLES_PER_SIDE) {
    reason = `${nBase} BASE and ${nHead} HEAD samples; the rank test needs at least ${MIN_SAMPLES_PER_SIDE} per side`;
  } else {
    const smallest = minAttainablePValue(nBase, nHead);
    if (smallest > alpha) {
      reason = `with ${nBase} and ${nHead} samples the smallest attainable Mann-Whitney p is ${smallest.toPrecision(3)}, above alpha ${alpha}`;
    }
  }
  if (reason !== null) {
    const overlap = base.ci95Ms[0] <= head.ci95Ms[1] && head.ci95Ms[0] <= base.ci95Ms[1];
    return { method: 'ci-overlap', reason, overlap, significant: !overlap, baseCi95Ms: base.ci95Ms, headCi95Ms: head.ci95Ms, nBase, nHead };
  }
  const test = mannWhitneyU(base.samplesMs, head.samplesMs);
  return { method: 'mann-whitney', test: test.method, pValue: test.pValue, alpha, significant: test.pValue <= alpha, nBase, nHead };
}
