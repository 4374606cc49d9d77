import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const fixtures = new URL('./fixtures/report-results/', import.meta.url).pathname;

it('lightbench report builds from a working directory outside the install, and leaves nothing there but the site', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'lightbench-report-cwd-'));
  try {
    const result = spawnSync(process.execPath, [bin, 'report', '--results', fixtures, '--out', 'site'], { cwd, encoding: 'utf8', timeout: 240_000 });
    expect(result.stderr).not.toMatch(/Cannot find package/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`site: ${join(cwd, 'site')}`));
    expect(await readdir(cwd)).toEqual(['site']);
    expect(await readFile(join(cwd, 'site', 'index.html'), 'utf8')).toMatch(/<html/);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
