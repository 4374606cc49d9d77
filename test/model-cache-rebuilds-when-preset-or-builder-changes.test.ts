import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILDER_VERSION, ensureModel, modelKey } from '../pipelines/models/model-store.ts';
import { getPreset } from '../pipelines/models/presets.ts';

describe('the model cache', () => {
  const tiny = getPreset('tiny');
  const spec = { component: 'text-encoder' } as const;

  it('keys models by preset dimensions, graph options and builder version', () => {
    const key = modelKey(tiny, spec);
    expect(modelKey(tiny, spec)).toBe(key);
    expect(modelKey({ ...tiny, text: { ...tiny.text, layers: 2 } }, spec)).not.toBe(key);
    expect(modelKey(tiny, spec, BUILDER_VERSION + 1)).not.toBe(key);
    expect(modelKey(tiny, { component: 'vae-decoder', frames: 1 })).not.toBe(modelKey(tiny, { component: 'vae-decoder', frames: 2 }));
  });

  it('builds on first use and reuses the file afterwards; a changed preset gets a new file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lightbench-cache-'));
    const first = await ensureModel(dir, tiny, spec);
    const built = (await stat(first)).mtimeMs;
    expect(await ensureModel(dir, tiny, spec)).toBe(first);
    expect((await stat(first)).mtimeMs).toBe(built);
    const changed = await ensureModel(dir, { ...tiny, text: { ...tiny.text, layers: 2 } }, spec);
    expect(changed).not.toBe(first);
    expect((await stat(changed)).size).toBeGreaterThan((await stat(first)).size);
  });
});
