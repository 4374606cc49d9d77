// The only module that imports onnxruntime-node: everything else goes through these functions, so a provider
// change or a runtime upgrade touches one file.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { HarnessError } from './harness-error.ts';
import type { SessionSettings } from './types.ts';

export type OrtTensor = ort.Tensor;

/** A loaded model: its input/output names and a run function. */
export interface ModelSession {
  readonly path: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, outputs?: readonly string[]): Promise<Record<string, OrtTensor>>;
  /** Ends a profiling pass and returns the trace file path, when profiling was on. */
  endProfiling(): string | null;
  release(): Promise<void>;
}

export interface SessionRequest {
  path: string;
  settings: SessionSettings;
  executionProvider: 'cpu' | 'cuda' | 'webgpu';
  deviceId?: number;
  /** When set, ORT writes a Chrome-trace profile with this prefix. */
  profilePrefix?: string;
  /** Outputs to keep on the device between runs (WebGPU only). */
  deviceOutputs?: readonly string[];
  /** Refuse to create the session when any node would fall back to the CPU provider (GPU providers only). */
  noCpuFallback?: boolean;
}

/**
 * The one command that fetches the CUDA provider libraries: onnxruntime-node's own install script, run directly,
 * since package.json's allowScripts keeps npm from running it (and from downloading them) at install time.
 */
export const CUDA_PROVIDER_INSTALL_COMMAND = 'ONNXRUNTIME_NODE_INSTALL=1 node node_modules/onnxruntime-node/script/install.js';

/** What each GPU provider needs on the machine, for messages that name the missing piece. */
export const PROVIDER_REQUIREMENTS: Record<'cpu' | 'cuda' | 'webgpu', string> = {
  cpu: 'nothing beyond onnxruntime-node',
  cuda: `onnxruntime-node's CUDA provider libraries (libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so beside its binding), fetched with \`${CUDA_PROVIDER_INSTALL_COMMAND}\` (network access to nuget.org), plus CUDA 12 and cuDNN 9 on the loader path and an NVIDIA driver`,
  webgpu:
    "a Vulkan loader (libvulkan.so.1, Debian package libvulkan1) and a Vulkan driver (ICD manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d): the NVIDIA driver's on a GPU machine; without a GPU Mesa's lavapipe, mesa-vulkan-drivers 25.x from Debian bookworm-backports (22.x is too old for Dawn)",
};

// ORT reports a provider that cannot start in these words (1.30): a missing CUDA library, no CUDA device, or
// Dawn finding no Vulkan adapter.
const PROVIDER_START_FAILURES: Record<'cuda' | 'webgpu', RegExp> = {
  cuda: /Failed to load shared library|libonnxruntime_providers|CUDA driver|no CUDA-capable device|cudaError/i,
  webgpu: /WebGPU adapter|No supported adapters|vkCreateInstance|WebGpuContext/i,
};

function isProviderStartFailure(provider: SessionRequest['executionProvider'], message: string): boolean {
  return provider !== 'cpu' && PROVIDER_START_FAILURES[provider].test(message);
}

const OPT_LEVELS = { disabled: 'disabled', basic: 'basic', extended: 'extended', all: 'all' } as const;

function providerOptions(request: SessionRequest): ort.InferenceSession.ExecutionProviderConfig[] {
  switch (request.executionProvider) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return [{ name: 'cuda', deviceId: request.deviceId ?? 0 }, 'cpu'];
    case 'webgpu':
      return ['webgpu', 'cpu'];
  }
}

export async function createSession(request: SessionRequest): Promise<ModelSession> {
  const { settings } = request;
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: providerOptions(request),
    enableCpuMemArena: settings.cpuMemArena,
    enableMemPattern: settings.memPattern,
    graphOptimizationLevel: OPT_LEVELS[settings.graphOptimizationLevel],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: settings.interOpThreads,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
  if (request.profilePrefix) {
    options.enableProfiling = true;
    options.profileFilePrefix = request.profilePrefix;
  }
  if (request.noCpuFallback) options.extra = { session: { disable_cpu_ep_fallback: '1' } };
  if (request.deviceOutputs?.length) {
    options.preferredOutputLocation = Object.fromEntries(request.deviceOutputs.map((name) => [name, 'gpu-buffer' as const]));
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(request.path, options);
  } catch (error) {
    const message = (error as Error).message;
    if (isProviderStartFailure(request.executionProvider, message)) {
      throw new HarnessError('provider-unavailable', `the ${request.executionProvider} execution provider could not start (${message.trim()}); it needs ${PROVIDER_REQUIREMENTS[request.executionProvider]}`, { cause: error });
    }
    throw new HarnessError('model-load-failed', `could not load ONNX model ${request.path} on ${request.executionProvider}: ${message}`, { cause: error });
  }
  return {
    path: request.path,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      try {
        return outputs ? await session.run(feeds, [...outputs]) : await session.run(feeds);
      } catch (error) {
        throw new HarnessError('inference-failed', `inference failed in ${request.path}: ${(error as Error).message}`, { cause: error });
      }
    },
    endProfiling() {
      if (!request.profilePrefix) return null;
      session.endProfiling();
      // ORT names the trace "<prefix>_<timestamp>.json" and does not return the name; each session has its own prefix.
      const dir = dirname(request.profilePrefix);
      const stem = `${basename(request.profilePrefix)}_`;
      const traces = readdirSync(dir)
        .filter((f) => f.startsWith(stem) && f.endsWith('.json'))
        .map((f) => join(dir, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
      return traces[0] ?? null;
    },
    release: () => session.release(),
  };
}

/**
 * Runs ORT's graph optimiser once and saves the result, so that sessions created later (every run, and every
 * stage under model offload) load an already optimised graph instead of paying for optimisation each time.
 */
export async function saveOptimizedModel(path: string, outputPath: string, level: SessionSettings['graphOptimizationLevel']): Promise<void> {
  try {
    const session = await ort.InferenceSession.create(path, {
      graphOptimizationLevel: OPT_LEVELS[level],
      optimizedModelFilePath: outputPath,
      enableCpuMemArena: false,
      logSeverityLevel: 3,
    });
    await session.release();
  } catch (error) {
    throw new HarnessError('model-load-failed', `could not optimise ONNX model ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export function floatTensor(data: Float32Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('float32', data, [...dims]);
}

export function int32Tensor(data: Int32Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('int32', data, [...dims]);
}

export function int64Tensor(data: BigInt64Array, dims: readonly number[]): OrtTensor {
  return new ort.Tensor('int64', data, [...dims]);
}

/**
 * Host copy of a float output. A device-resident tensor is refused rather than downloaded: in onnxruntime-node
 * 1.30 `getData` on a 'gpu-buffer' output aborts the whole process, which no caller could catch.
 */
export async function readFloat(tensor: OrtTensor): Promise<Float32Array> {
  if (tensorLocation(tensor) === 'host') return tensor.data as Float32Array;
  throw new HarnessError('device-tensor-read', `a ${tensor.location} tensor [${tensor.dims.join(', ')}] cannot be read back to host memory with onnxruntime-node ${onnxruntimeVersion()}; keep only outputs that another session consumes on the device`);
}

/** Where a tensor's data lives: host memory (readable) or the device (only feedable to another session). */
export function tensorLocation(tensor: OrtTensor): 'host' | 'device' {
  return tensor.location === 'cpu' || tensor.location === 'cpu-pinned' ? 'host' : 'device';
}

/** Frees a device-resident tensor now instead of whenever the garbage collector gets to it; host tensors are left alone. */
export function releaseTensor(tensor: OrtTensor): void {
  if (tensorLocation(tensor) === 'device') tensor.dispose();
}

/** Bytes a tensor holds, counted from its shape and element type. */
export function tensorBytes(tensor: OrtTensor): number {
  const perElement = tensor.type === 'float16' ? 2 : tensor.type === 'int64' ? 8 : 4;
  return tensor.dims.reduce((a, b) => a * b, 1) * perElement;
}

export function onnxruntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common ?? 'unknown';
}
