import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CUDA_PROVIDER_INSTALL_COMMAND, PROVIDER_REQUIREMENTS } from '../pipelines/ort-backend.ts';
import type { ExecutionProviderName } from '../pipelines/types.ts';
import { HarnessError } from './harness-error.ts';
import { trackChild, trackTempPath, untrackTempPath } from './process-registry.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import type { ProbeMessage } from './provider-probe-child.ts';
import { describeVulkanEnvironment, findVulkanEnvironment, SOFTWARE_ICD_GLOBS } from './vulkan-environment.ts';

/** The provider a run uses, and what was tried to choose it. */
export interface ResolvedDevice {
  provider: ExecutionProviderName;
  note?: string;
}

/** Where the checks look and how long a probe may take; every field has a default for real runs. */
export interface ResolveDeviceOptions {
  /** Environment of the probe children and of the Vulkan search (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How long one probe child may take before it counts as hung and is killed. */
  probeTimeoutMs?: number;
  /** Folder of onnxruntime-node's native libraries (default: found from the installed package). */
  ortLibraryDir?: string;
}

type Check = { status: 'ok'; detail: string } | { status: 'unavailable'; reason: string };

const PROBE_CHILD = fileURLToPath(new URL('./provider-probe-child.ts', import.meta.url));
const DEFAULT_PROBE_TIMEOUT_MS = 45_000;
const CUDA_PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
const LAVAPIPE_INSTALL =
  "echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list && apt-get update && apt-get install -y libvulkan1 && apt-get install -y -t bookworm-backports mesa-vulkan-drivers";

/** onnxruntime-node's folder of native libraries for this platform, found without loading the binding. */
export function ortLibraryDir(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

let runtimeDir: string | null = null;

/** A private XDG_RUNTIME_DIR (mode 0700), reused by every child of this process. */
function privateRuntimeDir(): string {
  if (runtimeDir) return runtimeDir;
  const { uid } = userInfo();
  const shared = join(tmpdir(), `lightbench-runtime-${uid}`);
  try {
    mkdirSync(shared, { mode: 0o700 });
  } catch {
    // Already there (from an earlier run) or not creatable; checked below.
  }
  const stat = existsSync(shared) ? statSync(shared) : null;
  runtimeDir = stat && stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0 ? shared : mkdtempSync(join(tmpdir(), 'lightbench-runtime-'));
  return runtimeDir;
}

/**
 * Environment a child running `provider` needs beyond the parent's. Vulkan's window-system code (and Mesa's
 * shader cache) expect XDG_RUNTIME_DIR, which containers and CI jobs often lack.
 */
export function providerChildEnv(provider: ExecutionProviderName, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return provider === 'webgpu' && !env.XDG_RUNTIME_DIR ? { XDG_RUNTIME_DIR: privateRuntimeDir() } : {};
}

/** The lines of a probe's stderr that say why a provider did not start (loader and driver complaints). */
function stderrClues(stderr: string): string[] {
  const lines = stderr.split('\n').map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').trim());
  const clues = lines.filter((line) => /found no drivers|failed to open json|cannot open shared object|not found|VK_ERROR|no such file/i.test(line));
  return [...new Set(clues)].slice(0, 3);
}

/** Starts `provider` on a one-node model in a short-lived child; a crash or a hang there fails only the probe. */
export async function probeProvider(provider: ExecutionProviderName, env: NodeJS.ProcessEnv, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeMessage> {
  const workDir = trackTempPath(await mkdtemp(join(tmpdir(), 'lightbench-probe-')));
  try {
    return await probeInChild(provider, env, timeoutMs, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
    untrackTempPath(workDir);
  }
}

function probeInChild(provider: ExecutionProviderName, env: NodeJS.ProcessEnv, timeoutMs: number, workDir: string): Promise<ProbeMessage> {
  const child = fork(PROBE_CHILD, [provider, workDir], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    env: { ...env, ...providerChildEnv(provider, env) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const withClues = (message: string) => {
    // ORT prefixes its own source location and the failed check; the sentence after them is the reason.
    const reason = message.replace(/^[\s\S]*? was false\. /, '').trim();
    const clues = stderrClues(stderr).filter((clue) => !reason.includes(clue));
    return clues.length ? `${reason} [${clues.join('; ')}]` : reason;
  };
  return new Promise<ProbeMessage>((resolve) => {
    let settled = false;
    const settle = (result: ProbeMessage) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // The answer is in; a provider that hangs while shutting down must not hold the run up.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(result.status === 'failed' ? { status: 'failed', message: withClues(result.message) } : result);
    };
    const timer = setTimeout(() => settle({ status: 'failed', message: `the ${provider} probe did not finish within ${timeoutMs} ms` }), timeoutMs);
    child.on('message', (message: ProbeMessage) => settle(message));
    child.on('error', (error) => settle({ status: 'failed', message: `the ${provider} probe could not start: ${error.message}` }));
    child.on('exit', (code, signal) => {
      // Let a message that is still in flight arrive before calling the exit a failure.
      setImmediate(() => settle({ status: 'failed', message: `the ${provider} probe ${signal ? `was killed by ${signal}` : `exited with code ${code}`} before answering` }));
    });
  });
}

/** Libraries the CUDA provider links against that the loader cannot find, from ldd; null when ldd is unavailable. */
async function missingLinkedLibraries(library: string, env: NodeJS.ProcessEnv): Promise<string[] | null> {
  const outcome = await runWithDeadline('ldd', [library], { env, timeoutMs: 10_000 });
  if (outcome.status === 'failed' && (outcome.kind !== 'exited' || !outcome.stdout)) return null;
  return [...outcome.stdout.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]!);
}

async function checkCuda(options: Required<ResolveDeviceOptions>): Promise<Check> {
  const dir = options.ortLibraryDir;
  const absent = CUDA_PROVIDER_FILES.filter((file) => !existsSync(join(dir, file)));
  if (absent.length) {
    return { status: 'unavailable', reason: `${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} not in ${dir}: onnxruntime-node's install script downloads the CUDA provider libraries and this project's package.json (allowScripts) keeps npm from running it; fetch them with \`${CUDA_PROVIDER_INSTALL_COMMAND}\`` };
  }
  const missing = await missingLinkedLibraries(join(dir, CUDA_PROVIDER_FILES[0]!), options.env);
  if (missing?.length) {
    return { status: 'unavailable', reason: `the CUDA provider is installed but the loader cannot find ${missing.join(', ')}: install CUDA 12 and cuDNN 9, or add their lib folders to LD_LIBRARY_PATH` };
  }
  const probe = await probeProvider('cuda', options.env, options.probeTimeoutMs);
  if (probe.status === 'failed') return { status: 'unavailable', reason: `the CUDA provider did not start: ${probe.message}` };
  return { status: 'ok', detail: `CUDA provider started (probe ${(probe.ms / 1000).toFixed(1)} s)` };
}

/**
 * WebGPU works when Dawn gets an adapter. A first probe hides CPU implementations of Vulkan, so success means
 * a real GPU; a second, only when allowed, accepts them (tests, and explicit requests on machines without a GPU).
 */
async function checkWebgpu(options: Required<ResolveDeviceOptions>, allowSoftware: boolean): Promise<Check> {
  const vulkan = describeVulkanEnvironment(findVulkanEnvironment(options.env));
  const hardwareEnv = { ...options.env, VK_LOADER_DRIVERS_DISABLE: [options.env.VK_LOADER_DRIVERS_DISABLE, ...SOFTWARE_ICD_GLOBS].filter(Boolean).join(',') };
  const hardware = await probeProvider('webgpu', hardwareEnv, options.probeTimeoutMs);
  if (hardware.status === 'ok') return { status: 'ok', detail: `WebGPU on a GPU through Vulkan (probe ${(hardware.ms / 1000).toFixed(1)} s; ${vulkan})` };
  const any = await probeProvider('webgpu', options.env, options.probeTimeoutMs);
  if (any.status === 'ok') {
    if (allowSoftware) return { status: 'ok', detail: `WebGPU on a software Vulkan driver (no GPU adapter answered): times measure the CPU, not a GPU (${vulkan})` };
    return { status: 'unavailable', reason: `only a software Vulkan driver answered (${vulkan}); ask for --device webgpu to use it anyway` };
  }
  return { status: 'unavailable', reason: `WebGPU did not start: ${any.message}; found ${vulkan}` };
}

function withDefaults(options: ResolveDeviceOptions): Required<ResolveDeviceOptions> {
  return { env: options.env ?? process.env, probeTimeoutMs: options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, ortLibraryDir: options.ortLibraryDir ?? ortLibraryDir() };
}

/**
 * `auto` tries cuda, then webgpu on a real GPU, then settles on cpu, and says in `note` what each attempt
 * found. An explicit GPU provider is checked the same way (in child processes, before any variant runs) and
 * one that cannot start is a HarnessError naming what is missing.
 */
export async function resolveDevice(requested: 'auto' | ExecutionProviderName, options: ResolveDeviceOptions = {}): Promise<ResolvedDevice> {
  if (requested === 'cpu') return { provider: 'cpu' };
  const resolved = withDefaults(options);
  if (requested === 'cuda') {
    const cuda = await checkCuda(resolved);
    if (cuda.status === 'unavailable') {
      throw new HarnessError('provider-unavailable', `--device cuda: ${cuda.reason}. Besides those libraries the CUDA provider needs CUDA 12 and cuDNN 9 on the loader path and an NVIDIA driver.`);
    }
    return { provider: 'cuda', note: `cuda: ${cuda.detail}` };
  }
  if (requested === 'webgpu') {
    const webgpu = await checkWebgpu(resolved, true);
    if (webgpu.status === 'unavailable') {
      throw new HarnessError('provider-unavailable', `--device webgpu: ${webgpu.reason}. WebGPU needs ${PROVIDER_REQUIREMENTS.webgpu}. Without a GPU, as root: ${LAVAPIPE_INSTALL}`);
    }
    return { provider: 'webgpu', note: `webgpu: ${webgpu.detail}` };
  }
  const tried: string[] = [];
  const cuda = await checkCuda(resolved);
  if (cuda.status === 'ok') return { provider: 'cuda', note: `auto: chose cuda (${cuda.detail})` };
  tried.push(`cuda: ${cuda.reason}`);
  const webgpu = await checkWebgpu(resolved, false);
  if (webgpu.status === 'ok') return { provider: 'webgpu', note: `auto: chose webgpu (${webgpu.detail}); ${tried.join('; ')}` };
  tried.push(`webgpu: ${webgpu.reason}`);
  return { provider: 'cpu', note: `auto: chose cpu; ${tried.join('; ')}` };
}
