import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import * as si from 'systeminformation';
import { GPU_METADATA_FIELDS, parseGpuMetadataOutput } from './nvidia-smi-parser.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import type { Found, GpuDescription, GraphicsController, SystemInfo, SystemInfoOptions } from './types.ts';

const GIB = 1024 ** 3;

const COMMAND_TIMEOUT_MS = 15_000;

async function run(cmd: string, args: string[], cwd?: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  const outcome = await runWithDeadline(cmd, args, { timeoutMs, ...(cwd ? { cwd } : {}) });
  if (outcome.status === 'ok') return { ok: true, stdout: outcome.stdout };
  return { ok: false, reason: outcome.kind === 'missing' ? `${cmd} not found` : outcome.reason };
}

/** The full path of an executable found on PATH (or the path itself when given one), else undefined. */
export async function findOnPath(name: string, pathEnv = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = name.includes('/') ? [isAbsolute(name) ? name : join(process.cwd(), name)] : pathEnv.split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const file of candidates) {
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** The installed onnxruntime-node version, read from its package.json without loading the native binding. */
export async function onnxruntimeNodeVersion(fromUrl: string = import.meta.url): Promise<Found<{ version: string }>> {
  const require = createRequire(fromUrl);
  let entry: string;
  try {
    entry = require.resolve('onnxruntime-node');
  } catch (err) {
    return { status: 'absent', reason: `onnxruntime-node is not installed: ${(err as Error).message.split('\n')[0]}` };
  }
  // The package has no "exports" map today, but walking up from its entry point works either way.
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'onnxruntime-node' && typeof pkg.version === 'string') return { status: 'ok', version: pkg.version };
    } catch {
      // no package.json at this level
    }
  }
  return { status: 'absent', reason: `no package.json of onnxruntime-node above ${entry}` };
}

/** Commit and dirty flag of the git work tree at `cwd`; absent with git's own message outside a repository. */
export async function gitState(cwd: string): Promise<Found<{ commit: string; dirty: boolean }>> {
  const head = await run('git', ['rev-parse', 'HEAD'], cwd);
  if (!head.ok) return { status: 'absent', reason: `git rev-parse HEAD: ${head.reason}` };
  const status = await run('git', ['status', '--porcelain'], cwd);
  if (!status.ok) return { status: 'absent', reason: `git status --porcelain: ${status.reason}` };
  return { status: 'ok', commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
}

async function nvidiaGpus(nvidiaSmi: string | undefined, timeoutMs: number): Promise<Found<{ gpus: GpuDescription[] }>> {
  if (nvidiaSmi === undefined) return { status: 'absent', reason: 'nvidia-smi not found on PATH' };
  const out = await run(nvidiaSmi, [`--query-gpu=${GPU_METADATA_FIELDS.join(',')}`, '--format=csv,noheader,nounits'], undefined, timeoutMs);
  if (!out.ok) return { status: 'absent', reason: `nvidia-smi metadata query failed: ${out.reason}` };
  const gpus = parseGpuMetadataOutput(out.stdout).flatMap((p) => (p.status === 'ok' ? [p.gpu] : []));
  return gpus.length > 0 ? { status: 'ok', gpus } : { status: 'absent', reason: `nvidia-smi listed no GPU: ${out.stdout.trim().split('\n')[0] ?? ''}` };
}

async function graphicsControllers(): Promise<GraphicsController[]> {
  const g = await si.graphics();
  return g.controllers.map((c) => ({
    vendor: c.vendor,
    model: c.model,
    ...(typeof c.vram === 'number' && c.vram > 0 ? { vramBytes: c.vram * 1024 * 1024 } : {}),
  }));
}

/** A short stable hash of what makes results comparable between runs: CPU model, cores, memory (whole GiB), GPU names. */
export function machineFingerprint(parts: { cpuModel: string; cores: number; physicalCores: number; memoryBytes: number; gpuNames: string[] }): string {
  const canonical = JSON.stringify([
    parts.cpuModel,
    parts.cores,
    parts.physicalCores,
    // MemTotal moves by a few MiB between kernels and boots; whole GiB does not.
    Math.round(parts.memoryBytes / GIB),
    [...parts.gpuNames].sort(),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Collects the machine and software context once per run; missing parts are absent with a reason, never guessed. */
export async function collectSystemInfo(opts: SystemInfoOptions = {}): Promise<SystemInfo> {
  const smiPath = await findOnPath(opts.nvidiaSmi ?? 'nvidia-smi');
  const [cpu, mem, os, gpus, onnxruntimeNode, git] = await Promise.all([
    si.cpu(),
    si.mem(),
    si.osInfo(),
    nvidiaGpus(smiPath, opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS),
    onnxruntimeNodeVersion(),
    gitState(opts.cwd ?? process.cwd()),
  ]);
  // si.graphics() runs nvidia-smi synchronously, with no deadline that a hung driver cannot ignore: only when
  // asked for, never on the way to a run.
  const wantGraphics = opts.withGpus === true;
  const controllers: SystemInfo['graphicsControllers'] = wantGraphics
    ? { status: 'ok', controllers: await graphicsControllers() }
    : { status: 'skipped', reason: 'graphics controllers not asked for' };
  const cpuModel = [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ');
  const gpuNames = gpus.status === 'ok' ? gpus.gpus.map((g) => g.name) : [];
  return {
    machine: {
      cpuModel,
      cores: cpu.cores,
      physicalCores: cpu.physicalCores,
      memoryBytes: mem.total,
      os: [os.distro, os.release].filter(Boolean).join(' '),
      kernel: os.kernel,
      arch: os.arch,
      hostname: hostname(),
      fingerprint: machineFingerprint({ cpuModel, cores: cpu.cores, physicalCores: cpu.physicalCores, memoryBytes: mem.total, gpuNames }),
    },
    gpus,
    graphicsControllers: controllers,
    node: process.version,
    onnxruntimeNode,
    git,
  };
}
