import { comparisonRows, countsText, rulesText, sidesText, type ComparisonRow } from './format-comparison-rows.ts';
import type { RunComparison } from './types.ts';

const HEADER = ['verdict', 'model', 'variant', 'stage', 'metric', 'BASE', 'HEAD', 'change', 'evidence'];

/** Rows per table; a GitHub comment holds at most 65 536 characters, and the JSON report has everything. */
const MAX_TABLE_ROWS = 150;

/**
 * The comparison as GitHub-flavoured Markdown for a PR comment or $GITHUB_STEP_SUMMARY: the summary
 * line first, then a table of what changed with regressions first; unchanged rows fold into <details>.
 */
export function formatComparisonMarkdown(comparison: RunComparison): string {
  const rows = comparisonRows(comparison);
  const changed = rows.filter((r) => r.status !== 'unchanged');
  const unchanged = rows.filter((r) => r.status === 'unchanged');
  const headline = comparison.counts.regression > 0 ? '❌ **lightbench: regression**' : comparison.counts.improvement > 0 ? '✅ **lightbench: improvement**' : '✅ **lightbench: no regression**';
  const lines = [`${headline} — ${countsText(comparison)}`, '', escapeText(sidesText(comparison)), ''];
  if (changed.length > 0) lines.push(...table(changed), '');
  else lines.push('No metric changed beyond its threshold.', '');
  if (unchanged.length > 0) {
    lines.push(`<details><summary>${unchanged.length} unchanged</summary>`, '', ...table(unchanged), '', '</details>', '');
  }
  lines.push(`<sub>${escapeText(rulesText(comparison))}</sub>`);
  if (comparison.notes.length > 0) lines.push('', ...comparison.notes.map((n) => `- ${escapeText(n)}`));
  return `${lines.join('\n')}\n`;
}

function table(rows: readonly ComparisonRow[]): string[] {
  const cells = (r: ComparisonRow) => [verdictCell(r.status), r.model, r.variant, r.stage, r.metric, r.base, r.head, r.change, r.evidence];
  const shown = rows.slice(0, MAX_TABLE_ROWS);
  const lines = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i >= 5 && i <= 7 ? ' ---: ' : ' --- ')).join('|')}|`,
    ...shown.map((r) => `| ${cells(r).map(escapeCell).join(' | ')} |`),
  ];
  if (rows.length > shown.length) lines.push('', `… and ${rows.length - shown.length} more rows (the JSON report lists all).`);
  return lines;
}

function verdictCell(status: ComparisonRow['status']): string {
  return { regression: '🔴 regression', improvement: '🟢 improvement', incomparable: '⚪ incomparable', unchanged: 'unchanged' }[status];
}

function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Keeps text from being read as HTML or Markdown emphasis. */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([*_`])/g, '\\$1');
}
