import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readOwnMemory, readProcStatusMemory, resetPeakRss } from '../harness/host-memory-sampler.ts';

const MIB = 1024 * 1024;
const helpers = fileURLToPath(new URL('../harness/host-memory-sampler.ts', import.meta.url));

describe('child-side memory helpers', () => {
  it('reads VmRSS, VmHWM and VmPeak from kB into bytes, and names missing lines', () => {
    const text = 'Name:\tnode\nVmPeak:\t 1048576 kB\nVmHWM:\t   204800 kB\nVmRSS:\t   102400 kB\nVmData:\t 1 kB\n';
    expect(readProcStatusMemory(text)).toEqual({ rssBytes: 100 * MIB, hwmBytes: 200 * MIB, peakBytes: 1024 * MIB, absent: {} });
    expect(readProcStatusMemory('Name:\tkthreadd\nState:\tS (sleeping)\n').absent).toEqual({
      rssBytes: 'no VmRSS line in the status file',
      hwmBytes: 'no VmHWM line in the status file',
      peakBytes: 'no VmPeak line in the status file',
    });
  });

  it('lowers VmHWM to the current RSS after a freed allocation', () => {
    // A separate process, so the freed 256 MiB is really returned (gc + mmap-sized buffer).
    const script = `
      const m = await import(${JSON.stringify(helpers)});
      let b = Buffer.alloc(${256 * MIB}, 1);
      const withBuffer = m.readOwnMemory();
      b = null; globalThis.gc();
      await new Promise((r) => setTimeout(r, 50)); globalThis.gc();
      const afterFree = m.readOwnMemory();
      const reset = m.resetPeakRss();
      const afterReset = m.readOwnMemory();
      console.log(JSON.stringify({ withBuffer, afterFree, reset, afterReset }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { withBuffer, afterFree, reset, afterReset } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(reset).toEqual({ status: 'reset' });
    // Kernels since 6.2 keep RSS in per-CPU counters, so two reads may differ by a few hundred KiB.
    expect(afterFree.hwmBytes).toBeGreaterThan(withBuffer.rssBytes - 4 * MIB);
    expect(afterFree.rssBytes).toBeLessThan(withBuffer.rssBytes - 200 * MIB);
    expect(afterReset.hwmBytes).toBeLessThan(afterFree.hwmBytes - 200 * MIB);
    expect(Math.abs(afterReset.hwmBytes - afterReset.rssBytes)).toBeLessThan(16 * MIB);
  });

  it('sees its own allocation in readOwnMemory', () => {
    const before = readOwnMemory();
    if (before.status !== 'ok') throw new Error(before.reason);
    const b = Buffer.alloc(64 * MIB, 1);
    const after = readOwnMemory();
    expect(after.status === 'ok' && after.hwmBytes).toBeGreaterThanOrEqual(before.rssBytes + 60 * MIB);
    expect(b[b.length - 1]).toBe(1);
  });

  it('says the peak runs from process start when clear_refs cannot be written', () => {
    expect(resetPeakRss('/nonexistent/clear_refs')).toEqual({
      status: 'not-reset',
      reason: expect.stringMatching(/^cannot write \/nonexistent\/clear_refs: ENOENT/),
      peakSince: 'process-start',
    });
  });
});
