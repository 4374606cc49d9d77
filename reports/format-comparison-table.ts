import Table from 'cli-table3';
import { comparisonRows, countsText, rulesText, sidesText } from './format-comparison-rows.ts';
import type { RunComparison } from './types.ts';

/**
 * The comparison as a terminal table: summary line, then every row that changed or could not be
 * compared (regressions first); unchanged rows only with `all`, since a suite has a hundred or more.
 */
export function formatComparisonTable(comparison: RunComparison, options: { all?: boolean } = {}): string {
  const rows = comparisonRows(comparison);
  const shown = options.all ? rows : rows.filter((r) => r.status !== 'unchanged');
  const lines = [`lightbench compare: ${countsText(comparison)}`, sidesText(comparison)];
  if (shown.length > 0) {
    // No colours: the table is as often piped into a CI log as shown on a terminal.
    const table = new Table({
      head: ['verdict', 'model', 'variant', 'stage', 'metric', 'BASE', 'HEAD', 'change', 'evidence'],
      style: { head: [], border: [] },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
      wordWrap: true,
      colWidths: [null, null, null, null, null, null, null, null, 60],
    });
    for (const r of shown) table.push([r.status, r.model, r.variant, r.stage, r.metric, r.base, r.head, r.change, r.evidence]);
    lines.push(table.toString());
  }
  const hidden = rows.length - shown.length;
  if (hidden > 0) lines.push(`${hidden} unchanged rows not shown (--all shows them)`);
  lines.push(`rules: ${rulesText(comparison)}`);
  for (const note of comparison.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
