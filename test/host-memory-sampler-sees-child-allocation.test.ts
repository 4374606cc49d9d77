import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { startHostMemorySampler } from '../harness/host-memory-sampler.ts';

const ALLOC_BYTES = 200 * 1024 * 1024;
const CHILD = `
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  await wait(400);
  console.log('allocating');
  const b = Buffer.alloc(${ALLOC_BYTES}, 1);
  console.log('allocated');
  await wait(400);
  if (b[0] !== 1) process.exit(1);
})();
`;

describe('host sampler on a real child', () => {
  it('sees a 200 MiB allocation as an RSS rise within ±15%', async () => {
    const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sampler = startHostMemorySampler({ pid: child.pid!, intervalMs: 10 });
    const marks: Record<string, number> = {};
    createInterface({ input: child.stdout! }).on('line', (l) => (marks[l] = performance.now()));
    const exitCode = await new Promise<number | null>((r) => child.once('exit', r));
    const outcome = await sampler.stop();
    expect(exitCode).toBe(0);
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;

    const before = outcome.samples.filter((s) => s.tMs < marks.allocating!);
    expect(before.length).toBeGreaterThan(5);
    const baseline = before.at(-1)!.rssBytes;
    const peak = Math.max(...outcome.samples.map((s) => s.rssBytes));
    const rise = peak - baseline;
    expect(rise).toBeGreaterThan(ALLOC_BYTES * 0.85);
    expect(rise).toBeLessThan(ALLOC_BYTES * 1.15);
    // 10 ms asked: about 100/s; well under that means the reads themselves are the bottleneck.
    expect(outcome.achievedSamplesPerSecond).toBeGreaterThan(40);
  });
});
