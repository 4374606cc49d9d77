import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { prepareAnyModels } from '../pipelines/pipeline-dispatch.ts';
import type { AnyPipelineRequest } from '../pipelines/types.ts';
import { measureFidelity } from './fidelity.ts';
import type { FrameStack } from './frame-images.ts';
import { contactSheetPng, differenceHeatmapPng, framePng, writePng } from './frame-images.ts';
import type { PNG } from 'pngjs';
import { trackTempPath, untrackTempPath } from './process-registry.ts';
import { startGpuSampler } from './gpu-memory-sampler.ts';
import { summariseProfile } from './profile-summary.ts';
import { providerChildEnv, resolveDevice } from './resolve-device.ts';
import { writeResultsFile } from './results-file.ts';
import type { RunResult, VariantResult, VariantSpec } from './results-schema.ts';
import { toFidelity } from './results-schema.ts';
import { runVariantInChild } from './run-variant.ts';
import type { VariantRunOutcome } from './run-variant.ts';
import type { PlannedSuite } from './suite-config.ts';
import { calibrateMatmulInChild } from './matmul-calibration.ts';
import { collectSystemInfo, findOnPath } from './system-info.ts';
import type { GpuSampler } from './types.ts';
import type { WorkerMessage } from './worker-protocol.ts';

/** Receives progress while a suite runs (the terminal display, or nothing). */
export interface ProgressSink {
  variantStart(model: string, variant: string, index: number, count: number): void;
  message(model: string, variant: string, message: WorkerMessage): void;
  variantEnd(result: VariantResult): void;
}

export interface SuiteRunOptions {
  planned: PlannedSuite;
  outDir: string;
  modelDir: string;
  /** Also write every variant's frames as PNG files and a contact sheet here. */
  saveFramesDir?: string | null;
  progress?: ProgressSink;
  /** Environment added to every child (tests inject faults through it). */
  childEnv?: Record<string, string>;
  nvidiaSmi?: string;
  /** Writes one preview or frame image (tests inject a full disk here); default: an atomic PNG write. */
  writeImage?: (path: string, png: PNG) => Promise<void>;
}

function newRunId(suiteName: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safeName = suiteName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${stamp}-${safeName}-${randomBytes(3).toString('hex')}`;
}

async function readFrames(path: string, shape: [number, number, number, number]): Promise<FrameStack> {
  const bytes = await readFile(path);
  return { data: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), shape };
}

function preparationFailure(model: string, variant: VariantSpec, error: unknown): VariantRunOutcome {
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'prepare-failed';
  return { result: { status: 'error', model, variant, error: { code, message: (error as Error).message ?? String(error) } }, frames: null, profileFiles: [] };
}

/**
 * Runs every (model, variant) of a planned suite, each in its own child, and writes results/<runId>.json after
 * each one (atomically), so a crash of this process keeps what was measured before it.
 */
export async function runSuite(options: SuiteRunOptions): Promise<{ run: RunResult; path: string }> {
  const { planned, outDir } = options;
  const { suite } = planned;
  const startedAt = new Date();
  const runId = newRunId(suite.name, startedAt);
  const resultsPath = join(outDir, `${runId}.json`);
  const previewDir = join(outDir, runId);
  const system = await collectSystemInfo(options.nvidiaSmi ? { nvidiaSmi: options.nvidiaSmi } : {});
  const device = await resolveDevice(suite.device);

  let gpuSampler: GpuSampler | null = null;
  let gpuUnavailableReason = 'GPU memory sampling is off (sampleIntervalMs is 0)';
  if (suite.sampleIntervalMs > 0) {
    const smi = options.nvidiaSmi ?? 'nvidia-smi';
    if (await findOnPath(smi)) {
      gpuSampler = await startGpuSampler({ intervalMs: suite.sampleIntervalMs, executable: smi });
      // One that never started says why once, for every variant: nvidia-smi's exit code and words, or its deadline.
      const reason = gpuSampler.unavailableReason();
      if (reason !== null && gpuSampler.samples().length === 0) {
        gpuUnavailableReason = `GPU memory not sampled: ${reason}`;
        gpuSampler = null;
      }
    } else {
      gpuUnavailableReason = `no ${smi} on PATH: no NVIDIA GPU memory to sample`;
    }
  }
  // Before any child starts, so the calibration competes with nothing the run measures.
  // A resolved suite always states fuseAttention; the schema keeps it optional for runs recorded before it existed.
  const session = { ...suite.session, fuseAttention: suite.session.fuseAttention ?? true };
  const calibration = await calibrateMatmulInChild(device.provider, session, { ...process.env, ...providerChildEnv(device.provider, process.env) });
  const gpus = system.gpus.status === 'ok' ? system.gpus.gpus : [];
  const gpuNames = Object.fromEntries(gpus.map((g) => [g.uuid, g.name]));

  const variants: VariantResult[] = [];
  const run = (): RunResult => ({
    schemaVersion: 1,
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    suite,
    context: {
      machine: system.machine,
      gpus: gpus.map((g) => ({
        name: g.name,
        uuid: g.uuid,
        ...(g.memoryTotalBytes !== undefined ? { memoryTotalBytes: g.memoryTotalBytes } : { memoryTotalNote: `nvidia-smi memory.total: ${g.absent.memoryTotalBytes ?? 'not reported'}` }),
        driver: g.driver ?? '',
      })),
      ...(system.gpus.status === 'absent' ? { gpuInfoNote: system.gpus.reason } : {}),
      node: system.node,
      onnxruntimeNode: system.onnxruntimeNode.status === 'ok' ? system.onnxruntimeNode.version : 'unknown',
      executionProvider: device.provider,
      ...(device.note ? { providerNote: device.note } : {}),
      git: system.git.status === 'ok' ? { commit: system.git.commit, dirty: system.git.dirty } : null,
      ...(system.git.status === 'absent' ? { gitNote: system.git.reason } : {}),
    },
    ...(calibration ? { calibration } : {}),
    variants,
  });

  const baselineFrames = new Map<string, FrameStack>();
  const writeImage = options.writeImage ?? writePng;
  const workDir = trackTempPath(await mkdtemp(join(tmpdir(), 'lightbench-')));
  try {
    for (const [index, pair] of planned.pairs.entries()) {
      options.progress?.variantStart(pair.model, pair.spec.name, index, planned.pairs.length);
      const framesPath = join(workDir, `${pair.model}-${pair.spec.name}.f32`);
      const profileDir = suite.profile ? join(workDir, `profile-${pair.model}-${pair.spec.name}`) : null;
      if (profileDir) await mkdir(profileDir, { recursive: true });
      const request: AnyPipelineRequest = {
        ...(pair.source.kind === 'preset' ? { preset: pair.source.preset } : { userModel: pair.source.model, ...(suite.image ? { imagePath: suite.image } : {}) }),
        frames: suite.frames,
        steps: suite.steps,
        seed: suite.seed,
        prompt: suite.prompt,
        negativePrompt: suite.negativePrompt,
        guidanceScale: suite.guidanceScale,
        scheduler: planned.scheduler,
        variant: pair.variant,
        session,
        executionProvider: device.provider,
        modelDir: options.modelDir,
      };
      // Models are built, optimised and counted here, before the child starts: building in the measured process
      // would leave its heap hundreds of MB larger and inflate every peak it reports.
      let prepareError: unknown = null;
      await prepareAnyModels(request).catch((error: unknown) => (prepareError = error));
      const outcome = prepareError
        ? preparationFailure(pair.model, pair.spec, prepareError)
        : await runVariantInChild({
        model: pair.model,
        spec: pair.spec,
        job: { request, warmup: suite.warmup, repeats: suite.repeats, profileDir, framesPath },
        sampleIntervalMs: suite.sampleIntervalMs,
        mallocMmapThreshold: suite.session.mallocMmapThreshold,
        maxRssBytes: planned.maxRssBytes,
        gpuSampler,
        gpuNames,
        gpuUnavailableReason,
        ...(options.childEnv ? { env: options.childEnv } : {}),
        onMessage: (message) => options.progress?.message(pair.model, pair.spec.name, message),
      });
      const result = outcome.result;
      if (result.status === 'ok' && outcome.frames) {
        const frames = await readFrames(outcome.frames.path, outcome.frames.shape);
        const key = (suffix: string) => join(previewDir, `${pair.model}-${pair.spec.name}-${suffix}.png`);
        const count = frames.shape[0];
        const picks = { first: 0, middle: Math.floor((count - 1) / 2), last: count - 1 };
        const baseline = baselineFrames.get(pair.model);
        if (pair.variant.kind === 'baseline') {
          baselineFrames.set(pair.model, frames);
        } else if (baseline) {
          result.fidelity = toFidelity(measureFidelity(frames.data, baseline.data, frames.shape));
          // Every built-in model has random weights; a user's model may have real ones, so it carries no such note.
          if (pair.source.kind !== 'user') result.fidelityNote = 'built-in random-weight model: this measures numerical deviation from the baseline, not visual quality';
        } else {
          result.fidelityNote = 'no baseline in this suite for this model: fidelity not measured';
        }
        // Images are a convenience: a disk that fills up while writing them costs the images, never the measurement.
        try {
          for (const [label, frameIndex] of Object.entries(picks)) await writeImage(key(label), framePng(frames, frameIndex));
          result.previews = { first: relative(outDir, key('first')), middle: relative(outDir, key('middle')), last: relative(outDir, key('last')) };
          if (baseline && pair.variant.kind !== 'baseline') {
            await writeImage(key('diff'), differenceHeatmapPng(frames, baseline, picks.middle));
            result.previews.diffHeatmap = relative(outDir, key('diff'));
          }
        } catch (error) {
          delete result.previews;
          result.previewsNote = `preview images not written: ${(error as Error).message}`;
        }
        if (options.saveFramesDir) {
          try {
            for (let f = 0; f < count; f++) await writeImage(join(options.saveFramesDir, `${pair.model}-${pair.spec.name}`, `frame-${String(f).padStart(3, '0')}.png`), framePng(frames, f));
            await writeImage(join(options.saveFramesDir, `${pair.model}-${pair.spec.name}-contact-sheet.png`), contactSheetPng(frames));
          } catch (error) {
            const note = `frames not saved to ${options.saveFramesDir}: ${(error as Error).message}`;
            result.previewsNote = result.previewsNote ? `${result.previewsNote}; ${note}` : note;
          }
        }
      }
      if (result.status === 'ok' && outcome.profileFiles.length) result.profile = await summariseProfile(outcome.profileFiles);
      variants.push(result);
      options.progress?.variantEnd(result);
      await writeResultsFile(resultsPath, run());
    }
  } finally {
    if (gpuSampler) await gpuSampler.stop();
    await rm(workDir, { recursive: true, force: true });
    untrackTempPath(workDir);
  }
  const final = run();
  await writeResultsFile(resultsPath, final);
  return { run: final, path: resultsPath };
}
