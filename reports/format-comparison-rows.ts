import type { MetricComparison, RunComparison, Verdict } from './types.ts';

/** One printable line of a comparison, shared by the terminal table and the Markdown report. */
export interface ComparisonRow {
  status: Verdict;
  model: string;
  variant: string;
  stage: string;
  metric: string;
  base: string;
  head: string;
  change: string;
  evidence: string;
}

const ORDER: readonly Verdict[] = ['regression', 'improvement', 'incomparable', 'unchanged'];

/** Every comparison as text, regressions first, then improvements, incomparable and unchanged rows. */
export function comparisonRows(comparison: RunComparison): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const v of comparison.variants) {
    if (v.metrics.length === 0) {
      rows.push({ status: v.status, model: v.model, variant: v.variant, stage: '—', metric: 'run', base: v.baseStatus, head: v.headStatus, change: '', evidence: v.reason ?? '' });
    }
    for (const m of v.metrics) rows.push(metricRow(m));
  }
  return ORDER.flatMap((status) => rows.filter((r) => r.status === status));
}

/** `2 regressions, 1 improvement, 40 unchanged, 3 incomparable`. */
export function countsText(comparison: RunComparison): string {
  const { regression, improvement, unchanged, incomparable } = comparison.counts;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(regression, 'regression')}, ${plural(improvement, 'improvement')}, ${unchanged} unchanged, ${incomparable} incomparable`;
}

/** Which runs were compared, in one line. */
export function sidesText(comparison: RunComparison): string {
  const sideText = (s: RunComparison['base']) => {
    const commits = s.commits.map((c) => c.slice(0, 7)).join('+') || 'no commit';
    return `${s.label} ${commits}${s.dirty ? ' (dirty)' : ''} [${s.runIds.join(', ')}]`;
  };
  return `suite ${comparison.suite} on ${comparison.device}: ${sideText(comparison.base)} vs ${sideText(comparison.head)}`;
}

/** The rules the verdicts followed. */
export function rulesText(comparison: RunComparison): string {
  const t = comparison.thresholds;
  return `time counts at ≥${t.timePct}% with Mann-Whitney p ≤ ${comparison.alpha} (95% CI overlap when samples are too few); memory peaks at ≥${t.memoryPct}%; PSNR at ≥${t.fidelityPsnrDb} dB; variant-specific thresholds of the suite apply where set`;
}

function metricRow(m: MetricComparison): ComparisonRow {
  const base = formatValue(m.base, m.unit);
  const head = formatValue(m.head, m.unit);
  const common = { status: m.status, model: m.model, variant: m.variant, stage: m.stage ?? 'video', metric: metricLabel(m), base, head };
  if (m.status === 'incomparable') return { ...common, change: '', evidence: m.reason };
  return { ...common, change: formatChange(m.change, m.unit), evidence: evidenceText(m) };
}

function metricLabel(m: MetricComparison): string {
  switch (m.metric) {
    case 'time':
      return 'time';
    case 'host-memory':
      return 'peak host memory';
    case 'gpu-memory':
      return m.gpu ? `peak GPU memory (gpu${m.gpu.index} ${m.gpu.name})` : 'peak GPU memory';
    case 'fidelity-psnr':
      return 'PSNR vs baseline';
  }
}

/** A value in its unit: ms with sensible decimals, bytes as MiB/GiB, PSNR in dB (null: identical frames). */
export function formatValue(value: number | null, unit: 'ms' | 'bytes' | 'dB'): string {
  if (value === null) return unit === 'dB' ? '∞ (identical)' : '—';
  if (unit === 'ms') return `${value < 10 ? value.toFixed(3) : value < 1000 ? value.toFixed(1) : value.toFixed(0)} ms`;
  if (unit === 'bytes') {
    const gib = value / 2 ** 30;
    return gib >= 1 ? `${gib.toFixed(2)} GiB` : `${(value / 2 ** 20).toFixed(1)} MiB`;
  }
  return `${value.toFixed(2)} dB`;
}

function formatChange(change: number | null, unit: 'ms' | 'bytes' | 'dB'): string {
  if (change === null) return '—';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return unit === 'dB' ? `${sign}${Math.abs(change).toFixed(2)} dB` : `${sign}${Math.abs(change).toFixed(1)}%`;
}

function evidenceText(m: Extract<MetricComparison, { evidence: unknown }>): string {
  const e = m.evidence;
  if (e.method === 'threshold') return `threshold ${m.unit === 'dB' ? `${m.threshold} dB` : `${m.threshold}%`}`;
  if (e.method === 'mann-whitney') {
    return `Mann-Whitney p=${e.pValue.toPrecision(2)} ${e.significant ? '≤' : '>'} ${e.alpha} (${e.nBase} vs ${e.nHead} samples)`;
  }
  return `95% CI overlap fallback: intervals ${e.overlap ? 'overlap' : 'do not overlap'} (${e.reason})`;
}
