import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { expect, it } from 'vitest';
import { writePng } from '../harness/frame-images.ts';

it('a PNG that cannot be put in place leaves neither the image nor its temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lightbench-png-'));
  try {
    // A folder where the image should go: the temporary file is written, the rename onto it fails.
    const target = join(dir, 'frame.png');
    await mkdir(join(target, 'occupied'), { recursive: true });
    await expect(writePng(target, new PNG({ width: 2, height: 2 }))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|directory/i);
    expect(await readdir(dir)).toEqual(['frame.png']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
