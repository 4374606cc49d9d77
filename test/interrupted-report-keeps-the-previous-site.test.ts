import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPORT_MARKER } from '../harness/command-report.ts';
import { waitFor } from './fixtures/processes-with-marker.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;
const fixtures = new URL('./fixtures/report-results/', import.meta.url).pathname;

it('Ctrl-C while the report builds leaves the previous site in place and nothing half-built', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lightbench-report-interrupt-'));
  const tmp = join(root, 'tmp');
  const out = join(root, 'site');
  await mkdir(tmp);
  await mkdir(out);
  // A previous report: what a user has published and would lose.
  await writeFile(join(out, REPORT_MARKER), 'lightbench report built earlier\n');
  await writeFile(join(out, 'index.html'), '<html>previous report</html>\n');
  try {
    const child = spawn(process.execPath, [bin, 'report', '--results', fixtures, '--out', out], { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Stop it once the build has started writing (into its own folder, or, as it used to, into --out).
    const building = () => readdirSync(tmp).some((name) => name.startsWith('lightbench-report-') && existsSync(join(tmp, name, 'site'))) || !existsSync(join(out, 'index.html'));
    await waitFor('the build to start writing pages', building, 120_000);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toBe('<html>previous report</html>\n');
    expect((await readdir(out)).sort()).toEqual([REPORT_MARKER, 'index.html'].sort());
    expect((await readdir(root)).sort()).toEqual(['site', 'tmp']);
    expect((await readdir(tmp)).filter((name) => name.startsWith('lightbench-'))).toEqual([]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
