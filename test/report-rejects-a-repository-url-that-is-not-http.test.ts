import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildReport } from '../harness/command-report.ts';
import { HarnessError } from '../harness/harness-error.ts';

it('refuses a --repo-url that is not an http(s) address, naming it, before building anything', async () => {
  const work = await mkdtemp(join(tmpdir(), 'lightbench-repo-url-'));
  try {
    for (const url of ['javascript:alert(1)', 'github.com/owner/name', 'file:///etc']) {
      const build = buildReport({ resultsDir: join(work, 'results'), outDir: join(work, 'site'), repositoryUrl: url });
      await expect(build).rejects.toBeInstanceOf(HarnessError);
      await expect(build).rejects.toThrow(`--repo-url ${JSON.stringify(url)} is not an http(s) address`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
