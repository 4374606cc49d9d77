import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const fixtures = new URL('./fixtures/report-results/', import.meta.url).pathname;
const A = '2025-06-02T09-00-00Z-cpu-1a2b3c4.json';
const B = '2025-06-03T09-00-00Z-cpu-2b3c4d5.json';

let dir: string;
let original: { a: string; b: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-out-is-input-'));
  await cp(join(fixtures, A), join(dir, 'results', A));
  await cp(join(fixtures, B), join(dir, 'results', B));
  await symlink(join(dir, 'results', A), join(dir, 'link-to-a.json'));
  original = { a: await readFile(join(dir, 'results', A), 'utf8'), b: await readFile(join(dir, 'results', B), 'utf8') };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, cwd: dir });

describe('an output path that is one of the inputs is refused and the input kept', () => {
  it.each([
    [['export', `results/${A}`, '--format', 'csv', '--out', `results/${A}`], /--out results\/.*\.json is the input results\/.*\.json/],
    [['export', 'link-to-a.json', '--format', 'gab', '--out', `results/${A}`], /is the input link-to-a\.json/],
    [['compare', `results/${A}`, `results/${B}`, '--format', 'markdown', '--out', `results/${B}`], /is the input results\/.*\.json/],
    [['compare', 'results', `results/${B}`, '--out', `results/${A}`], /is inside results, which this command reads results from/],
    [['history', '--results', 'results', '--format', 'markdown', '--out', `results/${A}`], /is inside results, which this command reads results from/],
  ])('%j → exit 2, results file unchanged', async (args, message) => {
    const result = run(...args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(2);
    expect(await readFile(join(dir, 'results', A), 'utf8')).toBe(original.a);
    expect(await readFile(join(dir, 'results', B), 'utf8')).toBe(original.b);
  });

  it('an output elsewhere is still written', async () => {
    const result = run('export', `results/${A}`, '--format', 'csv', '--out', 'out/a.csv');
    expect(result.status).toBe(0);
    expect((await readFile(join(dir, 'out', 'a.csv'), 'utf8')).split('\n')[0]).toMatch(/model/);
  });
});
