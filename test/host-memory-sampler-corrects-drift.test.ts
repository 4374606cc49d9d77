import { describe, expect, it } from 'vitest';
import { startHostMemorySampler } from '../harness/host-memory-sampler.ts';

/** A clock that only moves when a read takes time or a timer fires. */
function harness(readCostMs: (n: number) => number) {
  let clock = 0;
  let reads = 0;
  const delays: number[] = [];
  const timers: Array<() => void> = [];
  const readStatus = async () => {
    clock += readCostMs(reads);
    reads++;
    return `Name:\tnode\nVmPeak:\t 900000 kB\nVmHWM:\t  800000 kB\nVmRSS:\t  ${700000 + reads} kB\n`;
  };
  const setTimer = (fn: () => void, ms: number) => {
    delays.push(ms);
    timers.push(() => {
      clock += ms;
      fn();
    });
    return timers.length;
  };
  const flush = () => new Promise((r) => setImmediate(r));
  const runTimers = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await flush();
      timers.shift()?.();
    }
    await flush();
  };
  return { now: () => clock, readStatus, setTimer, delays, timers, runTimers };
}

describe('host memory sampler timing', () => {
  it('aims every tick at start + k·interval, so a 3 ms read does not stretch a 10 ms interval', async () => {
    const h = harness(() => 3);
    const sampler = startHostMemorySampler({ pid: 1, intervalMs: 10, readStatus: h.readStatus, now: h.now, setTimer: h.setTimer, clearTimer: () => {} });
    await h.runTimers(5);
    const outcome = await sampler.stop();
    expect(outcome.status).toBe('ok');
    if (outcome.status !== 'ok') return;
    expect(outcome.samples.map((s) => s.tMs)).toEqual([3, 13, 23, 33, 43, 53]);
    expect(h.delays.slice(0, 5)).toEqual([7, 7, 7, 7, 7]);
    expect(outcome.samples[0]!.rssBytes).toBe(700001 * 1024);
    expect(outcome.achievedSamplesPerSecond).toBeCloseTo(100, 9);
    expect(outcome.missedTicks).toBe(0);
    expect(outcome.ended).toBe('stopped');
  });

  it('skips and counts the ticks a slow read overran instead of firing a burst', async () => {
    const h = harness((n) => (n === 2 ? 25 : 3));
    const sampler = startHostMemorySampler({ pid: 1, intervalMs: 10, readStatus: h.readStatus, now: h.now, setTimer: h.setTimer, clearTimer: () => {} });
    await h.runTimers(5);
    const outcome = await sampler.stop();
    if (outcome.status !== 'ok') throw new Error(outcome.reason);
    expect(outcome.samples.map((s) => s.tMs)).toEqual([3, 13, 45, 48, 53, 63]);
    expect(outcome.missedTicks).toBe(1);
  });

  it('schedules nothing after stop()', async () => {
    const h = harness(() => 3);
    const sampler = startHostMemorySampler({ pid: 1, intervalMs: 10, readStatus: h.readStatus, now: h.now, setTimer: h.setTimer, clearTimer: () => {} });
    await h.runTimers(2);
    const before = h.delays.length;
    await sampler.stop();
    await h.runTimers(3);
    expect(h.delays.length).toBe(before);
  });
});
