import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { normaliseBasePath, startStaticSiteServer, type StaticSiteServer } from '../harness/static-site-server.ts';

let dir = '';
let server: StaticSiteServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lightbench-static-'));
  await mkdir(join(dir, 'site', 'overview'), { recursive: true });
  await writeFile(join(dir, 'site', 'index.html'), '<p>index</p>');
  await writeFile(join(dir, 'site', 'overview', 'index.html'), '<p>overview</p>');
  await writeFile(join(dir, 'secret.txt'), 'outside the site');
  server = await startStaticSiteServer({ root: join(dir, 'site'), base: 'bench' });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`, { redirect: 'manual' });

it('serves directory pages under the base with their content type', async () => {
  expect(server.url).toBe(`http://127.0.0.1:${server.port}/bench/`);
  const index = await get('/bench/');
  expect(index.status).toBe(200);
  expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await index.text()).toBe('<p>index</p>');
  expect(await (await get('/bench/overview/')).text()).toBe('<p>overview</p>');
  expect((await get('/bench/overview')).headers.get('location')).toBe('/bench/overview/');
  expect((await get('/')).headers.get('location')).toBe('/bench/');
});

it('answers 404 outside the base and for paths that climb out of the root', async () => {
  expect((await get('/overview/')).status).toBe(404);
  expect((await get('/bench/../secret.txt')).status).not.toBe(200);
  expect((await get('/bench/%2e%2e/secret.txt')).status).toBe(404);
  expect((await get('/bench/..%2fsecret.txt')).status).toBe(404);
  expect((await get('/bench/missing.html')).status).toBe(404);
});

it('normalises base paths and refuses ones that are not URL paths', () => {
  expect(normaliseBasePath('/')).toBe('/');
  expect(normaliseBasePath('bench')).toBe('/bench/');
  expect(normaliseBasePath('/a/b//')).toBe('/a/b/');
  expect(() => normaliseBasePath('/x"><script>')).toThrow(/not accepted/);
  expect(() => normaliseBasePath('/a/../b/')).toThrow(/not accepted/);
});
