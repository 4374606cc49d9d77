// Packs everything `tools/gpu-check.sh` needs on a GPU machine that has no network and no Node.js into one
// xz-compressed tarball under 64 MiB: this Node binary, the project's run-time code, the node_modules that
// `lightbench run` loads (onnxruntime-node reduced to its linux-x64 binaries, which include the WebGPU provider),
// and Debian's Vulkan loader.
//
//   npx tsx tools/make-gpu-bundle.ts [--out .lightbench-cache/gpu-bundle/lightbench-gpu.tar.xz]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT_BYTES = 64 * 2 ** 20;
/** Project folders and files a `lightbench run` needs at run time (tests, the site and exporters stay behind). */
const APP_PATHS = ['package.json', 'tsconfig.json', 'bin', 'harness', 'pipelines', 'reports', 'schemas', 'tools/gpu-check.sh'];
/** Packages imported only by commands the GPU check does not run (`lightbench report` builds the Astro site). */
const NOT_BUNDLED = new Set(['astro']);
/** File names no run reads: type declarations, source maps, docs. */
const DROPPED_FILE = /(\.d\.[cm]?ts|\.map|\.md|\.markdown)$/i;

const sh = (command: string, args: string[], cwd = ROOT) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 2 ** 20 }).trim();

function outPath(): string {
  const at = process.argv.indexOf('--out');
  return resolve(at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : join(ROOT, '.lightbench-cache/gpu-bundle/lightbench-gpu.tar.xz'));
}

/** Bare module names the shipped sources import, found by reading them (so a new dependency is not forgotten). */
function importedPackages(): Set<string> {
  const names = new Set<string>(['tsx']);
  const visit = (path: string) => {
    if (statSync(path).isDirectory()) return readdirSync(path).forEach((name) => visit(join(path, name)));
    if (!/\.(ts|js|mjs)$/.test(path)) return;
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*|\)\(\s*|resolve\(\s*)'([^'./][^']*)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  for (const path of APP_PATHS) if (existsSync(join(ROOT, path))) visit(join(ROOT, path));
  for (const name of NOT_BUNDLED) names.delete(name);
  return names;
}

/** Node's lookup: the package folder `name` resolves to from `fromDir`, or null. */
function packageDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return null;
  }
}

/** The packages `roots` need, transitively: dependencies and the optional ones that are installed. */
function dependencyClosure(roots: Iterable<string>): string[] {
  const found = new Set<string>();
  const queue: [string, string][] = [...roots].map((name) => [name, ROOT]);
  while (queue.length) {
    const [name, from] = queue.shift()!;
    const dir = packageDir(name, from);
    if (!dir) {
      if (from === ROOT) throw new Error(`package ${name} is imported but not installed`);
      continue;
    }
    if (found.has(dir)) continue;
    found.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) queue.push([dep, dir]);
  }
  return [...found].sort();
}

function copyPackage(dir: string, appDir: string): void {
  const target = join(appDir, relative(ROOT, dir));
  const isOrt = basename(dir) === 'onnxruntime-node';
  const ortBinaries = join(dir, 'bin', 'napi-v6', 'linux', 'x64');
  cpSync(dir, target, {
    recursive: true,
    filter: (source) => {
      const rel = relative(dir, source);
      // Nested node_modules are copied as packages of their own, only when something needs them.
      if (rel.split('/').includes('node_modules')) return false;
      if (isOrt && rel.startsWith('bin') && !`${ortBinaries}/`.startsWith(`${source}/`) && !source.startsWith(`${ortBinaries}/`)) return false;
      if (isOrt && rel.startsWith('script')) return false;
      // esbuild's API runs the binary of its @esbuild/<platform> package; its own bin/ copy is a fallback.
      if (basename(dir) === 'esbuild' && rel === join('bin', 'esbuild')) return false;
      return statSync(source).isDirectory() || !DROPPED_FILE.test(source);
    },
  });
}

/** Debian's Vulkan loader, unpacked from its package (downloaded, or this machine's copy when apt is unreachable). */
function copyVulkanLoader(bundleDir: string): string {
  const libDir = join(bundleDir, 'vulkan', 'lib');
  mkdirSync(libDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'lightbench-libvulkan-'));
  try {
    sh('apt-get', ['download', 'libvulkan1'], work);
    const deb = readdirSync(work).find((name) => name.endsWith('.deb'))!;
    sh('dpkg', ['-x', deb, 'x'], work);
    const from = join(work, 'x/usr/lib/x86_64-linux-gnu');
    for (const name of readdirSync(from).filter((n) => n.startsWith('libvulkan.so.1'))) cpSync(join(from, name), join(libDir, name), { verbatimSymlinks: true });
    return deb.replace(/\.deb$/, '');
  } catch (error) {
    const system = '/usr/lib/x86_64-linux-gnu/libvulkan.so.1';
    if (!existsSync(system)) throw new Error(`no libvulkan1: apt-get download failed (${(error as Error).message.split('\n')[0]}) and ${system} does not exist`);
    cpSync(system, join(libDir, 'libvulkan.so.1'), { dereference: true });
    return `${sh('dpkg-query', ['-W', '-f', '${Package}_${Version}', 'libvulkan1'])} (copied from this machine)`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The Node binary and what it needs from the host: only glibc-family libraries, at versions from its symbol table. */
function copyNode(bundleDir: string): { version: string; linkedLibraries: string[]; needsGlibc: string; needsGlibcxx: string } {
  mkdirSync(join(bundleDir, 'node', 'bin'), { recursive: true });
  cpSync(process.execPath, join(bundleDir, 'node', 'bin', 'node'), { dereference: true });
  const linked = sh('ldd', [process.execPath])
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter(Boolean);
  const unexpected = linked.filter((lib) => !/^(linux-vdso|\/lib64\/ld-linux|lib(c|m|dl|pthread|rt|stdc\+\+|gcc_s)\.so)/.test(lib));
  if (unexpected.length) throw new Error(`${process.execPath} links ${unexpected.join(', ')}, which a GPU machine may lack; use a Node build that links only glibc and libstdc++`);
  const symbols = sh('objdump', ['-T', process.execPath]);
  const newest = (prefix: string) =>
    [...new Set([...symbols.matchAll(new RegExp(`${prefix}_([0-9.]+)`, 'g'))].map((m) => m[1]!))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1) ?? 'none';
  return { version: process.version, linkedLibraries: linked, needsGlibc: newest('GLIBC'), needsGlibcxx: newest('GLIBCXX') };
}

function main(): void {
  const out = outPath();
  const staging = mkdtempSync(join(tmpdir(), 'lightbench-gpu-bundle-'));
  const bundleDir = join(staging, 'lightbench-gpu');
  const appDir = join(bundleDir, 'app');
  try {
    for (const path of APP_PATHS) if (existsSync(join(ROOT, path))) cpSync(join(ROOT, path), join(appDir, path), { recursive: true });
    const packages = dependencyClosure(importedPackages());
    for (const dir of packages) copyPackage(dir, appDir);
    const node = copyNode(bundleDir);
    const libvulkan = copyVulkanLoader(bundleDir);
    const dirty = sh('git', ['status', '--porcelain']).length > 0;
    const info = {
      createdAt: new Date().toISOString(),
      git: { commit: sh('git', ['rev-parse', 'HEAD']), dirty },
      node,
      onnxruntimeNode: JSON.parse(readFileSync(join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version as string,
      libvulkan,
      packages: packages.map((dir) => relative(join(ROOT, 'node_modules'), dir)),
    };
    writeFileSync(join(bundleDir, 'BUNDLE-INFO.json'), `${JSON.stringify(info, null, 2)}\n`);
    mkdirSync(dirname(out), { recursive: true });
    execFileSync('sh', ['-c', 'tar -C "$1" -cf - lightbench-gpu | xz -T0 -9 > "$2"', 'sh', staging, out], { stdio: 'inherit' });
    const bytes = statSync(out).size;
    process.stdout.write(`${out}: ${(bytes / 2 ** 20).toFixed(1)} MiB (Node ${node.version}, needs glibc ${node.needsGlibc}; onnxruntime-node ${info.onnxruntimeNode}; ${libvulkan}; ${packages.length} packages)\n`);
    if (bytes > LIMIT_BYTES) throw new Error(`the bundle is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the 64 MiB a GPU machine accepts`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

main();
