// One call of a model file in this (fresh) process, its host memory printed as one JSON line. The peak is VmHWM after
// a reset through /proc/self/clear_refs right before the run, so session creation and input allocation are not
// counted. Run the child with MALLOC_MMAP_THRESHOLD_=131072 so freed blocks go back to the system.
import { readFileSync, writeFileSync } from 'node:fs';
import type { OrtTensor } from '../pipelines/ort-backend.ts';
import { createSession } from '../pipelines/ort-backend.ts';

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]);
}

/**
 * Runs `modelPath` once on `feeds` and prints resident memory before the call, the call's peak, its time, whether
 * `output` is finite and its sum (so a caller can see two graphs computed the same output).
 */
export async function printOneCallPeak(modelPath: string, feeds: Record<string, OrtTensor>, output: string, intraOpThreads: number): Promise<void> {
  const session = await createSession({
    path: modelPath,
    settings: { cpuMemArena: false, memPattern: false, graphOptimizationLevel: 'all', intraOpThreads, interOpThreads: 1, fuseAttention: true },
    executionProvider: 'cpu',
  });
  // Writing 5 resets the peak resident set size to the current one.
  writeFileSync('/proc/self/clear_refs', '5');
  const rssBeforeKb = statusKb('VmRSS');
  const started = performance.now();
  const outputs = await session.run(feeds);
  const runMs = performance.now() - started;
  const peakKb = statusKb('VmHWM');
  const values = outputs[output]!.data as Float32Array;
  const sum = values.reduce((a, b) => a + b, 0);
  process.stdout.write(`${JSON.stringify({ rssBeforeBytes: rssBeforeKb * 1024, peakRssBytes: peakKb * 1024, runMs, finite: values.every(Number.isFinite), sum })}\n`);
  await session.release();
}
