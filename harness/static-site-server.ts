import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { HarnessError } from './harness-error.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** A running static server; `url` ends with the base path. */
export interface StaticSiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a built site from `root` under the sub-path `base` (e.g. `/bench/`), as a web server that hosts it
 * there would: `dir/` serves `dir/index.html`, `dir` redirects to `dir/`, and nothing outside `root` or the
 * base is reachable. GET and HEAD only.
 */
export async function startStaticSiteServer(options: { root: string; base?: string; host?: string; port?: number }): Promise<StaticSiteServer> {
  const root = resolve(options.root);
  const base = normaliseBasePath(options.base ?? '/');
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      let pathname: string;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        res.writeHead(400).end('bad request');
        return;
      }
      if (pathname === base.slice(0, -1) || (pathname === '/' && base !== '/')) {
        res.writeHead(302, { location: base }).end();
        return;
      }
      if (!pathname.startsWith(base) || pathname.includes('\0')) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      const file = resolve(join(root, normalize(pathname.slice(base.length))));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(404).end('not found');
        return;
      }
      let target = file;
      let info = await stat(target).catch(() => null);
      if (info?.isDirectory()) {
        if (!pathname.endsWith('/')) {
          res.writeHead(301, { location: `${url.pathname}/${url.search}` }).end();
          return;
        }
        target = join(file, 'index.html');
        info = await stat(target).catch(() => null);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(target).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(target).pipe(res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HarnessError('serve-failed', `cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error })),
    );
    server.listen(options.port ?? 0, host, () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}${base}`,
    port,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}

/**
 * `bench`, `/bench`, `/bench/` → `/bench/`. Only URL-path characters are accepted, since the base is
 * written into every link of the site.
 */
export function normaliseBasePath(base: string): string {
  const trimmed = base.trim();
  if (!/^[A-Za-z0-9._~/-]*$/.test(trimmed) || /(^|\/)\.\.?(\/|$)/.test(trimmed)) {
    throw new HarnessError('bad-arguments', `base path "${base}" is not accepted; expected a URL path such as /bench/ (letters, digits, . _ ~ - and /)`);
  }
  const inner = trimmed.split('/').filter(Boolean).join('/');
  return inner ? `/${inner}/` : '/';
}
