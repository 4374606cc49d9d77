import Table from 'cli-table3';
import { formatValue } from './format-comparison-rows.ts';
import type { HistorySeries } from './types.ts';

interface HistoryRow {
  machine: string;
  suite: string;
  model: string;
  variant: string;
  stage: string;
  metric: string;
  points: string;
  values: string;
  changes: string;
}

const HEADER = ['machine', 'suite', 'model', 'variant', 'stage', 'metric', 'runs', 'first → latest', 'step changes'];

/** One line: how many step changes, of which regressions, over how many series, runs and machines. */
export function historySummary(series: readonly HistorySeries[]): string {
  const marks = series.flatMap((s) => s.points.flatMap((p) => (p.changePoint ? [p.changePoint] : [])));
  const regressions = marks.filter((m) => m.direction === 'regression').length;
  const runs = new Set(series.flatMap((s) => s.points.map((p) => p.runId))).size;
  const machines = new Set(series.map((s) => s.machine.fingerprint)).size;
  return `${marks.length} step change${marks.length === 1 ? '' : 's'} (${regressions} regression${regressions === 1 ? '' : 's'}, ${marks.length - regressions} improvement${marks.length - regressions === 1 ? '' : 's'}) in ${series.length} series over ${runs} run${runs === 1 ? '' : 's'} on ${machines} machine${machines === 1 ? '' : 's'}`;
}

/** Terminal table of the series with step changes (all series with `all`). */
export function formatHistoryTable(series: readonly HistorySeries[], options: { all?: boolean } = {}): string {
  const rows = historyRows(series, options.all === true);
  const lines = [`lightbench history: ${historySummary(series)}`];
  if (rows.length > 0) {
    const table = new Table({ head: HEADER, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
    for (const r of rows) table.push([r.machine, r.suite, r.model, r.variant, r.stage, r.metric, r.points, r.values, r.changes]);
    lines.push(table.toString());
  }
  if (!options.all) lines.push('series without step changes are not listed (--all lists them; --format json has every point)');
  return `${lines.join('\n')}\n`;
}

/** Markdown: the summary line first, then a table of the series with step changes (all with `all`). */
export function formatHistoryMarkdown(series: readonly HistorySeries[], options: { all?: boolean } = {}): string {
  const rows = historyRows(series, options.all === true);
  const lines = [`**lightbench history** — ${historySummary(series)}`, ''];
  if (rows.length > 0) {
    lines.push(`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => ' --- ').join('|')}|`);
    for (const r of rows) lines.push(`| ${[r.machine, r.suite, r.model, r.variant, r.stage, r.metric, r.points, r.values, r.changes].map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function historyRows(series: readonly HistorySeries[], all: boolean): HistoryRow[] {
  // Regressions first, as in compare: they are what a reader acts on.
  const rank = (s: HistorySeries) => (s.points.some((p) => p.changePoint?.direction === 'regression') ? 0 : s.points.some((p) => p.changePoint) ? 1 : 2);
  return [...series]
    .filter((s) => all || rank(s) < 2)
    .sort((a, b) => rank(a) - rank(b))
    .map((s) => ({
      machine: s.machine.hostname,
      suite: s.suite,
      model: s.model,
      variant: s.variant,
      stage: s.stage ?? 'video',
      metric: s.gpu ? `${s.metric} (${s.gpu.name})` : s.metric,
      points: String(s.points.length),
      values: `${formatValue(s.points[0]!.value, s.unit)} → ${formatValue(s.points.at(-1)!.value, s.unit)}`,
      changes: s.points
        .flatMap((p) => {
          const c = p.changePoint;
          if (!c) return [];
          const size = c.change === null ? '' : s.unit === 'dB' ? ` ${c.change > 0 ? '+' : ''}${c.change.toFixed(2)} dB` : ` ${c.change > 0 ? '+' : ''}${c.change.toFixed(1)}%`;
          return [`${c.direction}${size} at ${p.commit ? p.commit.slice(0, 7) : p.runId}`];
        })
        .join('; '),
    }));
}

function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\|/g, '\\|');
}
