import { describe, expect, it } from 'vitest';
import { startHostMemorySampler } from '../harness/host-memory-sampler.ts';

const status = (kb: number) => `Name:\tnode\nVmHWM:\t ${kb} kB\nVmRSS:\t ${kb} kB\n`;

describe('the sampled process going away', () => {
  it('keeps the samples so far and says the process exited', async () => {
    let n = 0;
    const readStatus = async () => {
      n++;
      if (n > 3) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      return status(1000 * n);
    };
    const sampler = startHostMemorySampler({ pid: 42, intervalMs: 1, readStatus });
    await new Promise((r) => setTimeout(r, 50));
    const outcome = await sampler.stop();
    expect(outcome).toMatchObject({ status: 'ok', ended: 'process-exited' });
    expect(outcome.samples.map((s) => s.rssBytes)).toEqual([1000 * 1024, 2000 * 1024, 3000 * 1024]);
  });

  it('treats a zombie (status without Vm lines) as gone', async () => {
    let n = 0;
    const readStatus = async () => (++n === 1 ? status(500) : 'Name:\tnode\nState:\tZ (zombie)\n');
    const sampler = startHostMemorySampler({ pid: 42, intervalMs: 1, readStatus });
    await new Promise((r) => setTimeout(r, 30));
    const outcome = await sampler.stop();
    expect(outcome).toMatchObject({ status: 'ok', ended: 'process-exited', samples: [{ rssBytes: 500 * 1024 }] });
  });

  it('is unavailable when the very first read fails', async () => {
    const sampler = startHostMemorySampler({ pid: 999999999, intervalMs: 5 });
    const outcome = await sampler.stop();
    expect(outcome).toMatchObject({ status: 'unavailable', pid: 999999999, samples: [] });
    expect(outcome.status === 'unavailable' && outcome.reason).toMatch(/\/proc\/999999999\/status/);
  });
});
