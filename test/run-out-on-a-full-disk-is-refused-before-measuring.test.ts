import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from './fixtures/run-tiny-variant.ts';

const bin = new URL('../bin/lightbench.js', import.meta.url).pathname;

// A full disk of its own: a 1 MiB tmpfs, filled, in a private mount namespace (nothing outside sees it).
// That needs root (or CAP_SYS_ADMIN); elsewhere this test is skipped and says why.
const MOUNT_AND_FILL = 'mount -t tmpfs -o size=1m tmpfs "$1" && { dd if=/dev/zero of="$1/fill" bs=64k 2>/dev/null; true; }';
const canMount = (() => {
  const dir = join(tmpdir(), `lightbench-mount-check-${process.pid}`);
  const r = spawnSync('unshare', ['--mount', 'sh', '-c', `mkdir -p "$1" && ${MOUNT_AND_FILL} && rmdir "$1" 2>/dev/null; true`, 'sh', dir], { encoding: 'utf8', timeout: 10_000 });
  spawnSync('rmdir', [dir]);
  return r.status === 0 && r.stderr === '';
})();

let dir: string | undefined;
afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

describe.skipIf(!canMount)(`lightbench run --out on a full disk${canMount ? '' : ' (skipped: no private tmpfs mount here; needs root)'}`, () => {
  it('exits 2 naming the folder and the full disk, before anything is measured', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lightbench-full-disk-'));
    const script = `${MOUNT_AND_FILL} && exec "$2" "$3" run --preset tiny --variants baseline --steps 1 --warmup 0 --repeats 1 --no-progress --out "$1/results"`;
    const result = spawnSync('unshare', ['--mount', 'sh', '-c', script, 'sh', dir, process.execPath, bin], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, LIGHTBENCH_CACHE_DIR: TEST_MODEL_DIR },
    });
    expect(result.stderr).toMatch(new RegExp(`--out ${join(dir, 'results')}: no space left on its disk`));
    expect(result.status).toBe(2);
    expect(result.stdout).not.toMatch(/results:/);
  });
});
