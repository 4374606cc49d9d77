import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from './fixtures/run-tiny-variant.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const runTo = (out: string) =>
  spawnSync(process.execPath, [bin, 'run', '--preset', 'tiny', '--variants', 'baseline', '--steps', '1', '--warmup', '0', '--repeats', '1', '--no-progress', '--out', out], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, LIGHTBENCH_CACHE_DIR: TEST_MODEL_DIR },
  });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-out-check-'));
  await writeFile(join(dir, 'a-file'), 'not a folder\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('lightbench run --out that cannot take the results', () => {
  it.each([
    ['a file', () => join(dir, 'a-file'), (p: string) => new RegExp(`--out ${p}: exists and is not a folder`)],
    ['a folder below a file', () => join(dir, 'a-file', 'results'), () => new RegExp(`--out .*: ${join(dir, 'a-file')} is a file, not a folder`)],
    ['a folder under /proc', () => '/proc/lightbench-results', () => /--out \/proc\/lightbench-results: cannot create \/proc\/lightbench-results/],
    ['a folder where nothing may be created', () => '/sys/lightbench-results', () => /--out \/sys\/lightbench-results: cannot create \/sys\/lightbench-results \((EPERM|EROFS|EACCES)\)/],
  ])('%s: exit 2 naming the path, before anything is measured', (_, out, message) => {
    const path = out();
    const result = runTo(path);
    expect(result.stderr).toMatch(message(path));
    expect(result.status).toBe(2);
    expect(result.stdout).not.toMatch(/results:/);
  });
});
