import { mkdtemp, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCacheNotice } from '../pipelines/models/cache-file-check.ts';
import { ensureModel, ensureOptimizedModel, modelWork } from '../pipelines/models/model-store.ts';
import { getPreset } from '../pipelines/models/presets.ts';

const tiny = getPreset('tiny');
const spec = { component: 'text-encoder' } as const;

let dir: string;
let notices: string[];
let restore: (message: string) => void;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-cache-damage-'));
  notices = [];
  restore = setCacheNotice((message) => notices.push(message));
});
afterEach(async () => {
  setCacheNotice(restore);
  await rm(dir, { recursive: true, force: true });
});

/** Overwrites bytes in the middle of a file, keeping its size (what a bad sector or a stray write does). */
async function scribble(path: string): Promise<void> {
  const { size } = await stat(path);
  const handle = await open(path, 'r+');
  await handle.write(Buffer.alloc(64, 0xff), 0, 64, Math.floor(size / 2));
  await handle.close();
}

describe('a damaged file in the model cache', () => {
  it('is found, rebuilt to the same bytes, and named in a notice', async () => {
    const path = await ensureModel(dir, tiny, spec);
    const original = await readFile(path);
    await scribble(path);
    expect(await ensureModel(dir, tiny, spec)).toBe(path);
    expect((await readFile(path)).equals(original)).toBe(true);
    expect(notices).toEqual([expect.stringMatching(new RegExp(`model cache: ${path} is damaged: its size and SHA-256 .* differ .*; rebuilding it`))]);
  });

  it('written before records were kept, is found because it does not parse', async () => {
    const path = await ensureModel(dir, tiny, spec);
    const original = await readFile(path);
    await rm(`${path}.sha256`);
    await truncate(path, Math.floor(original.length / 3));
    expect(await ensureModel(dir, tiny, spec)).toBe(path);
    expect((await readFile(path)).equals(original)).toBe(true);
    expect(notices).toEqual([expect.stringMatching(/is damaged: it does not parse .*; rebuilding it/)]);
  });

  it('covers the optimised model and the work count beside it too', async () => {
    const path = await ensureModel(dir, tiny, spec);
    const optimized = (await ensureOptimizedModel(path, 'all'))!;
    const work = await modelWork(path);
    const optimizedBytes = await readFile(optimized);
    await scribble(optimized);
    await truncate(`${path}.work.json`, 5);
    expect(await ensureOptimizedModel(path, 'all')).toBe(optimized);
    expect((await readFile(optimized)).length).toBe(optimizedBytes.length);
    expect(await modelWork(path)).toEqual(work);
    expect(notices).toHaveLength(2);
    expect(notices.join('\n')).toMatch(/\.ort-all-.*\.onnx is damaged/);
    expect(notices.join('\n')).toMatch(/\.work\.json is damaged/);
  });
});
