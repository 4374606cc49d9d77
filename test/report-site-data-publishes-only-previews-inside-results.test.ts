import { expect, it } from 'vitest';
import type { VariantOk } from '../harness/results-schema.ts';
import { buildSiteData } from '../reports/site-data.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('copies previews inside the results folder and refuses escaping, non-image or missing ones', () => {
  const run = makeExampleRun({ runId: 'previews-run' });
  const oks = run.variants.filter((v): v is VariantOk => v.status === 'ok');
  for (const v of oks) delete v.previews;
  const [first, second] = oks;
  first!.previews = { first: 'previews/a.png', middle: 'previews/a.png', last: '../../etc/passwd.png', diffHeatmap: 'previews/notes.txt' };
  second!.previews = { first: 'previews/missing.png', middle: 'previews/b.webp', last: 'previews/a.png' };
  const exists = (path: string) => !path.endsWith('missing.png');
  const { data, assets } = buildSiteData([{ file: '/data/results/previews-run.json', run }], { fileExists: exists });

  const images = assets.filter((a) => a.to.startsWith('previews/'));
  expect(images.map((a) => a.from).sort()).toEqual(['/data/results/previews/a.png', '/data/results/previews/b.webp']);
  // Besides the images, only the results file itself is published.
  expect(assets.filter((a) => !a.to.startsWith('previews/'))).toEqual([{ from: '/data/results/previews-run.json', to: 'results/previews-run.json' }]);
  for (const a of images) expect(a.to).toMatch(/^previews\/[0-9a-f]{16}\.(png|webp)$/);
  const detail = data.details.find((d) => d.model === first!.model && d.variant === first!.variant.name)!;
  expect(detail.status).toBe('ok');
  if (detail.status !== 'ok') return;
  expect(detail.previews!.first).toBe(detail.previews!.middle);
  expect(detail.previews!.last).toBeNull();
  expect(detail.previews!.diffHeatmap).toBeNull();
  expect(detail.previews!.missing).toEqual(['../../etc/passwd.png', 'previews/notes.txt']);
  expect(data.warnings).toHaveLength(3);
  expect(data.warnings.join('\n')).toMatch(/passwd\.png" is outside the results directory/);
  expect(data.warnings.join('\n')).toMatch(/missing\.png" does not exist/);
});
