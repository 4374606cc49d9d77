import type { RunResult } from '../harness/results-schema.ts';
import { exportedMetrics } from './export-metrics.ts';

/** Columns of the CSV export, in order. */
export const CSV_COLUMNS = [
  'run_id',
  'started_at',
  'commit',
  'machine',
  'model',
  'variant',
  'status',
  'stage',
  'metric',
  'unit',
  'gpu',
  'value',
  'min',
  'max',
  'mean',
  'std_dev',
  'ci95_low',
  'ci95_high',
  'n',
  'note',
] as const;

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>;

/**
 * The run as RFC 4180 CSV: a header line, then one record per variant × stage × metric (time rows carry
 * the raw-sample summary; a failed variant is one record with its error in `note`). Records end in
 * CRLF; a field containing a comma, double quote, CR or LF is enclosed in double quotes with inner
 * quotes doubled. Empty fields mean "not applicable".
 */
export function toCsv(run: RunResult): string {
  const common: Row = {
    run_id: run.runId,
    started_at: run.startedAt,
    commit: run.context.git?.commit ?? '',
    machine: run.context.machine.fingerprint,
  };
  const rows: Row[] = [];
  const metrics = exportedMetrics(run);
  for (const v of run.variants) {
    const pair = { ...common, model: v.model, variant: v.variant.name, status: v.status };
    if (v.status === 'error') {
      rows.push({ ...pair, note: `${v.error.code}: ${v.error.message}` });
      continue;
    }
    for (const m of metrics.filter((x) => x.model === v.model && x.variant === v.variant.name)) {
      const s = m.stats;
      rows.push({
        ...pair,
        stage: m.stage ?? '',
        metric: m.metric,
        unit: m.unit,
        gpu: m.gpu ? `${m.gpu.index}:${m.gpu.uuid}` : '',
        value: m.value ?? '',
        ...(s ? { min: s.minMs, max: s.maxMs, mean: s.meanMs, std_dev: s.stdDevMs, ci95_low: s.ci95Ms[0], ci95_high: s.ci95Ms[1], n: s.n } : {}),
        note: m.value === null ? 'frames identical to the baseline (PSNR infinite)' : m.gpu ? m.gpu.name : '',
      });
    }
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((c) => csvField(row[c] ?? '')).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** One field, quoted only when RFC 4180 requires it. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
