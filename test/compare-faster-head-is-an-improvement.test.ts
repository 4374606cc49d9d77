import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../harness/command-compare.ts';
import { writeResultsFile } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('a head 30% faster is reported as an improvement, and compare exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-compare-'));
  await writeResultsFile(join(dir, 'base.json'), makeExampleRun({ runId: 'base' }));
  await writeResultsFile(join(dir, 'head.json'), makeExampleRun({ runId: 'head', jitterSeed: 3, timeScale: 0.7 }));
  const out = join(dir, 'comparison.md');
  const code = await main([join(dir, 'base.json'), join(dir, 'head.json'), '--format', 'markdown', '--out', out]);
  expect(code).toBe(0);
  const markdown = await readFile(out, 'utf8');
  const [summary] = markdown.split('\n');
  expect(summary).toMatch(/no regression|improvement/);
  expect(summary).toMatch(/0 regressions, 45 improvements/);
  expect(markdown).toMatch(/\| 🟢 improvement \| animatediff-tiny \| baseline \| total \| time \|.*\| −\d+\.\d% \| Mann-Whitney p=0\.0079/);
});
