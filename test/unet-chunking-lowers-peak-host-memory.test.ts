import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPreset } from '../pipelines/models/presets.ts';
import type { ChunkCounts } from '../pipelines/models/types.ts';
import { buildUnetGraph } from '../pipelines/models/unet.ts';
import { writeBuiltModel } from './fixtures/run-built-graph.ts';

// The small preset's full UNet, run once unchunked and once with chunks {9, 2}, each in a fresh process with the CPU
// arena off and glibc's mmap threshold fixed (the default suite's settings), so VmHWM measures what a run needs.
// Bound: the chunked peak is below the unchunked one, and its growth over the pre-run RSS at most 3/4 of the unchunked growth.

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../harness/unet-call-peak-child.ts', import.meta.url));
const preset = getPreset('small');
const VIDEOS = 2;
const MAX_GROWTH_RATIO = 0.75;

interface Measurement {
  rssBeforeBytes: number;
  peakRssBytes: number;
  runMs: number;
  finite: boolean;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

describe('feature chunking lowers the UNet’s peak host memory (small preset)', () => {
  let dir = '';
  const paths = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lightbench-peak-'));
    for (const [label, chunks] of [
      ['unchunked', null],
      ['chunked', { batchFrames: 9, spatial: 2 }],
    ] as [string, ChunkCounts | null][]) {
      const graph = buildUnetGraph(preset, { mode: 'full', cacheBranch: 0, chunks, frames: preset.frames, videos: VIDEOS }, 3);
      paths.set(label, await writeBuiltModel(dir, `${label}.onnx`, graph.build()));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function measure(label: string): Promise<Measurement> {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', SCRIPT, paths.get(label)!, preset.name, String(preset.frames), String(VIDEOS)], {
      cwd: REPO_ROOT,
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' },
      maxBuffer: 1 << 20,
    });
    const line = stdout.trim().split('\n').at(-1)!;
    return JSON.parse(line) as Measurement;
  }

  it('one run of the chunked graph peaks below one run of the unchunked graph', async () => {
    const unchunked = await measure('unchunked');
    const chunked = await measure('chunked');
    const growth = (m: Measurement) => m.peakRssBytes - m.rssBeforeBytes;
    console.log(
      `${preset.name} UNet full, ${VIDEOS}×${preset.frames} frames: unchunked peak ${mib(unchunked.peakRssBytes)} (+${mib(growth(unchunked))} over the pre-run RSS, ${unchunked.runMs.toFixed(0)} ms); ` +
        `chunked {9,2} peak ${mib(chunked.peakRssBytes)} (+${mib(growth(chunked))}, ${chunked.runMs.toFixed(0)} ms)`,
    );
    expect(unchunked.finite && chunked.finite).toBe(true);
    expect(chunked.peakRssBytes).toBeLessThan(unchunked.peakRssBytes);
    expect(growth(chunked)).toBeLessThanOrEqual(MAX_GROWTH_RATIO * growth(unchunked));
  });
});
