// lightbench's run-time caches on an exported Wan fixture against PyTorch runs on the same weights and inputs:
// first-block-cache against diffusers' FirstBlockCache hook, teacache against TeaCache4Wan2.1's rule applied to
// diffusers' Wan transformer; per step and per transformer call, computed or reused, and the video. The PyTorch run
// is made now (`--pytorch PYTHON`, or $LIGHTBENCH_PYTORCH_PYTHON; tools/parity/first_block_cache_reference.py,
// teacache_reference.py) or read from the run recorded beside the fixture (first-block-cache/, teacache/).
//   npx tsx tools/parity/runtime-cache-parity.ts [--method first-block-cache|teacache] [--pytorch /path/to/venv/bin/python] [FIXTURE_DIR]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MEASURED_SESSION } from '../../harness/suite-config.ts';
import { HarnessError } from '../../pipelines/harness-error.ts';
import { loadDitManifest } from '../../pipelines/models/dit-manifest.ts';
import type { CallDecision, RuntimeCacheConfig, UserPipelineRequest, VariantConfig } from '../../pipelines/types.ts';
import type { UserDitSource } from '../../pipelines/models/types.ts';
import { prepareUserModels } from '../../pipelines/user-model-files.ts';
import { runUserPipeline } from '../../pipelines/user-video-pipeline.ts';
import { PARITY_TOLERANCE, recordedInputs } from './check-parity.ts';
import { frameError } from './frame-error.ts';
import { readReferenceIndex, readReferenceTensor } from './reference-store.ts';

/** Per method: the folder of its recorded run beside a fixture, the script that makes it, its video's name, and what it is. */
export const RUNTIME_CACHE_REFERENCES: Readonly<Record<RuntimeCacheConfig['method'], { folder: string; script: string; frames: string; against: string }>> = {
  'first-block-cache': { folder: 'first-block-cache', script: 'first_block_cache_reference.py', frames: 'first_block_cache.frames', against: "diffusers' FirstBlockCache hook" },
  teacache: { folder: 'teacache', script: 'teacache_reference.py', frames: 'teacache.frames', against: "TeaCache4Wan2.1's rule on diffusers' Wan transformer" },
  'mag-cache': { folder: 'mag-cache', script: 'mag_cache_reference.py', frames: 'mag_cache.frames', against: "diffusers' MagCache hook, with the ratios its calibration measured" },
};

/** A PyTorch run of a run-time cache: its folder, settings and per-step decisions (negative prompt, prompt). */
export interface RuntimeCacheReference {
  method: RuntimeCacheConfig['method'];
  /** The folder holding reference.json and the videos. */
  folder: string;
  source: 'recorded' | 'run now';
  steps: number;
  threshold: number;
  decisions: CallDecision[][];
  torch: string;
  diffusers: string;
  /** mag-cache: the ratios it ran with (the prompt call's calibration), its other parameters, and each call's calibrated ratios. */
  magCache?: { ratios: number[]; maxSkipSteps: number; retentionRatio: number; calibrated: Record<string, number[]> };
}

function readReference(method: RuntimeCacheConfig['method'], folder: string, source: RuntimeCacheReference['source']): RuntimeCacheReference {
  const index = readReferenceIndex(dirname(folder), basename(folder));
  const magCache =
    method === 'mag-cache'
      ? { magCache: { ratios: index.magRatios as number[], maxSkipSteps: Number(index.maxSkipSteps), retentionRatio: Number(index.retentionRatio), calibrated: index.calibratedRatios as Record<string, number[]> } }
      : {};
  return { method, folder, source, steps: index.steps, threshold: Number(index.threshold), decisions: index.decisions as CallDecision[][], torch: String(index.torch), diffusers: String(index.diffusers), ...magCache };
}

/** The run recorded beside the fixture. */
export function recordedRuntimeCacheReference(method: RuntimeCacheConfig['method'], fixtureDir: string): RuntimeCacheReference {
  return readReference(method, join(fixtureDir, RUNTIME_CACHE_REFERENCES[method].folder), 'recorded');
}

/** Runs the method's PyTorch reference now with `python`, at the recorded run's steps and threshold, into a temporary folder. */
export async function runRuntimeCacheReference(method: RuntimeCacheConfig['method'], fixtureDir: string, python: string): Promise<RuntimeCacheReference> {
  const { steps, threshold, magCache } = recordedRuntimeCacheReference(method, fixtureDir);
  const magArgs = magCache ? ['--max-skip-steps', String(magCache.maxSkipSteps), '--retention-ratio', String(magCache.retentionRatio)] : [];
  const folder = await mkdtemp(join(tmpdir(), `lightbench-${method}-`));
  const script = join(import.meta.dirname, RUNTIME_CACHE_REFERENCES[method].script);
  try {
    await promisify(execFile)(python, [script, '--fixture', fixtureDir, '--out', folder, '--steps', String(steps), '--threshold', String(threshold), ...magArgs], { maxBuffer: 2 ** 20 });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw new HarnessError('pytorch-unavailable', `${python} ${script} failed for ${fixtureDir}: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}; install tools/export/requirements.txt into that Python`);
  }
  return readReference(method, folder, 'run now');
}

/** lightbench's run of a run-time cache set beside the PyTorch one: both runs' decisions and how far the videos are apart. */
export interface RuntimeCacheParity {
  decisions: CallDecision[][];
  reference: RuntimeCacheReference;
  maxAbsError: number;
  /** Max abs error over the reference video's max |value|. */
  relativeError: number;
  /** How far the PyTorch cached video is from its plain one: what reuse changed, for scale. */
  reuseChangedMaxAbs: number;
}

/** A run of `variant` from the inputs recorded beside the fixture, as the PyTorch references ran. */
export function parityRequest(fixtureDir: string, model: UserDitSource, variant: VariantConfig, steps: number, modelDir: string): UserPipelineRequest {
  return {
    userModel: model,
    frames: model.latent.frames,
    steps,
    seed: 0,
    prompt: '',
    negativePrompt: '',
    guidanceScale: model.guidanceScale,
    scheduler: model.scheduler,
    variant,
    session: MEASURED_SESSION,
    executionProvider: 'cpu',
    modelDir,
    inputs: recordedInputs(fixtureDir, model),
  };
}

/** Runs the reference's method at its steps and threshold from the inputs recorded beside the fixture. */
export async function checkRuntimeCacheParity(fixtureDir: string, reference: RuntimeCacheReference, modelDir = join(tmpdir(), 'lightbench-parity-models')): Promise<RuntimeCacheParity> {
  const model = await loadDitManifest(join(fixtureDir, 'manifest.json'));
  const { method } = reference;
  const mag = reference.magCache;
  const magCache = mag ? { magCache: { maxSkipSteps: mag.maxSkipSteps, retentionRatio: mag.retentionRatio, ratios: mag.ratios, ratiosSource: 'calibrated' as const } } : {};
  const variant: VariantConfig = { name: method, kind: method, cache: null, chunks: null, sliceFrames: null, swap: false, runtimeCache: { method, threshold: reference.threshold, ...magCache } };
  const request = parityRequest(fixtureDir, model, variant, reference.steps, modelDir);
  const output = await runUserPipeline(request, await prepareUserModels(request));
  const frames = (name: string) => readReferenceTensor(dirname(reference.folder), name, basename(reference.folder)).data as Float32Array;
  const expected = frames(RUNTIME_CACHE_REFERENCES[method].frames);
  const plain = frames('baseline.frames');
  const { maxAbsError, relativeError } = frameError(output.frames, expected);
  // How far reuse moved the reference video from its own plain run: what the parity above has to distinguish.
  const reuseChangedMaxAbs = frameError(plain, expected).maxAbsError;
  const decisions = output.steps.map((step) => step.decision?.calls ?? []);
  return { decisions, reference, maxAbsError, relativeError, reuseChangedMaxAbs };
}

/** One line per step: each call's outcome and change, lightbench then diffusers. */
export function formatDecisions(parity: RuntimeCacheParity): string[] {
  const call = (c: CallDecision | undefined) => (c ? `${c.call} ${c.computed ? 'computed' : 'reused  '} ${c.change === null ? '   —   ' : c.change.toPrecision(6)}` : '—');
  return parity.reference.decisions.map((ref, i) => `step ${i}: lightbench ${parity.decisions[i]!.map(call).join(', ')} | PyTorch ${ref.map(call).join(', ')}`);
}

/** The same outcome for every call of every step. */
export function sameDecisions(a: readonly CallDecision[][], b: readonly CallDecision[][]): boolean {
  const outcomes = (steps: readonly CallDecision[][]) => JSON.stringify(steps.map((calls) => calls.map((c) => [c.call, c.computed])));
  return outcomes(a) === outcomes(b);
}

async function main(args: string[]): Promise<void> {
  const option = (name: string) => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const value = args[at + 1];
    args = args.filter((_, i) => i !== at && i !== at + 1);
    return value;
  };
  const python = option('--pytorch') ?? process.env.LIGHTBENCH_PYTORCH_PYTHON;
  const only = option('--method');
  if (only !== undefined && !Object.hasOwn(RUNTIME_CACHE_REFERENCES, only)) throw new HarnessError('bad-arguments', `--method ${only}; accepted: ${Object.keys(RUNTIME_CACHE_REFERENCES).join(', ')}`);
  const fixture = args[0] ?? join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'user-models', 'wan-tiny');
  for (const method of only ? [only as RuntimeCacheConfig['method']] : (Object.keys(RUNTIME_CACHE_REFERENCES) as RuntimeCacheConfig['method'][])) await checkOne(method, fixture, python);
}

async function checkOne(method: RuntimeCacheConfig['method'], fixture: string, python: string | undefined): Promise<void> {
  const reference = python ? await runRuntimeCacheReference(method, fixture, python) : recordedRuntimeCacheReference(method, fixture);
  try {
    const parity = await checkRuntimeCacheParity(fixture, reference);
    for (const line of formatDecisions(parity)) console.log(line);
    const same = sameDecisions(parity.decisions, reference.decisions);
    const ok = same && parity.relativeError <= PARITY_TOLERANCE;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${basename(fixture)} ${method} (${reference.steps} steps, threshold ${reference.threshold}) vs ${RUNTIME_CACHE_REFERENCES[method].against}, ${reference.source} on torch ${reference.torch}: decisions ${same ? 'identical' : 'differ'}, max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)} (target ≤ ${PARITY_TOLERANCE}); reuse changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main(process.argv.slice(2));
