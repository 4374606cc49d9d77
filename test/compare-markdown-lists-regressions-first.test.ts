import { expect, it } from 'vitest';
import { compareRuns } from '../reports/compare-runs.ts';
import { formatComparisonMarkdown } from '../reports/format-comparison-markdown.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('the Markdown report starts with the summary line, then lists regressions before improvements', () => {
  const base = makeExampleRun({ runId: 'base' });
  const slower = makeExampleRun({ runId: 'head', jitterSeed: 2, timeScale: 1.3 });
  const faster = makeExampleRun({ runId: 'faster', jitterSeed: 3, timeScale: 0.7 });
  // HEAD: deepcache got faster, everything else slower.
  const head = { ...slower, variants: slower.variants.map((v) => (v.variant.name === 'deepcache' ? faster.variants.find((f) => f.model === v.model && f.variant.name === 'deepcache')! : v)) };
  const markdown = formatComparisonMarkdown(compareRuns([base], [head]));
  const lines = markdown.split('\n');
  expect(lines[0]).toMatch(/^❌ \*\*lightbench: regression\*\* — 35 regressions, 10 improvements, \d+ unchanged, 1 incomparable$/);
  const rows = lines.filter((l) => /^\| (🔴|🟢|⚪)/.test(l));
  const firstImprovement = rows.findIndex((l) => l.includes('🟢 improvement'));
  const lastRegression = rows.map((l) => l.includes('🔴 regression')).lastIndexOf(true);
  expect(firstImprovement).toBeGreaterThan(0);
  expect(lastRegression).toBeLessThan(firstImprovement);
  expect(rows[firstImprovement]).toContain('| deepcache |');
  expect(markdown).toMatch(/<details><summary>\d+ unchanged<\/summary>/);
});
