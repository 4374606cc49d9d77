import { expect, it } from 'vitest';
import { runTinySuite } from './fixtures/run-tiny-suite.ts';

it('--max-rss with --sample-interval 0 still kills a variant over the limit, and records no timeline', async () => {
  const { run } = await runTinySuite({ variants: ['baseline', 'deepcache'], maxRssBytes: 1200 * 2 ** 20, sampleIntervalMs: 0 }, { LIGHTBENCH_WORKER_FAULT: 'allocate:deepcache:2000' });
  const [baseline, deepcache] = run.variants;
  expect(baseline?.status).toBe('ok');
  if (baseline?.status === 'ok') expect(baseline.timeline.host).toEqual([]);
  expect(deepcache?.status).toBe('error');
  if (deepcache?.status !== 'error') return;
  expect(deepcache.error.code).toBe('memory-limit');
  expect(deepcache.error.message).toMatch(/over the limit of 1200 MiB/);
});
