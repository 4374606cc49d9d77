// Runs lightbench's baseline and deepcache variants of exported diffusers fixtures from the inputs of a PyTorch
// reference run and compares the videos: lightbench baseline vs the plain diffusers pipeline, lightbench deepcache
// vs DeepCache's own helper (DeepCacheSDHelper) at the same interval and branch. The PyTorch run is made now
// (`--pytorch PYTHON`, or $LIGHTBENCH_PYTORCH_PYTHON) or, without a Python that has tools/export/requirements.txt,
// read from the run recorded beside the fixture (made by the same script; byte-identical on the same torch build).
//   npx tsx tools/parity/check-parity.ts [--pytorch /path/to/venv/bin/python] [FIXTURE_DIR ...]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { HarnessError } from '../../pipelines/harness-error.ts';
import { loadDitManifest, manifestKind } from '../../pipelines/models/dit-manifest.ts';
import { loadModelManifest } from '../../pipelines/models/model-manifest.ts';
import type { UserDitSource, UserModelSource } from '../../pipelines/models/types.ts';
import { MEASURED_SESSION } from '../../harness/suite-config.ts';
import type { UserPipelineInputs, VariantConfig } from '../../pipelines/types.ts';
import { prepareUserModels } from '../../pipelines/user-model-files.ts';
import { runUserPipeline } from '../../pipelines/user-video-pipeline.ts';
import { frameError } from './frame-error.ts';
import { readReferenceIndex, readReferenceTensor } from './reference-store.ts';

/** One comparison of a lightbench video with the PyTorch one. */
export interface ParityResult {
  fixture: string;
  /** `baseline-sliced`: a diffusion transformer's baseline decoded frame by frame through its causal graphs instead of by the whole-video decoder. */
  variant: 'baseline' | 'baseline-sliced' | 'deepcache' | `deepcache-branch-${number}`;
  reference: string;
  maxAbsError: number;
  /** Max abs error over the reference video's max |value|. */
  relativeError: number;
  referenceMaxAbs: number;
}

const floats = (dir: string, name: string) => readReferenceTensor(dir, name).data as Float32Array;

/** The token ids, attention masks and initial noise (or image) of the PyTorch run recorded in `dir`. */
export function recordedInputs(dir: string, model: UserModelSource | UserDitSource): UserPipelineInputs {
  const inputs: UserPipelineInputs = { initialNoise: floats(dir, 'initial_noise') };
  const ids = (name: string) => Array.from(readReferenceTensor(dir, name).data as BigInt64Array, Number);
  if (model.kind === 'text-to-video-dit') {
    inputs.tokenIds = { prompt: ids('text_encoder.input_ids'), negative: ids('text_encoder.negative_input_ids') };
    inputs.attentionMasks = { prompt: ids('text_encoder.attention_mask'), negative: ids('text_encoder.negative_attention_mask') };
  } else if (model.kind === 'text-to-video') {
    inputs.tokenIds = { prompt: ids('text_encoder.input_ids'), negative: ids('text_encoder.negative_input_ids') };
  } else {
    inputs.image = floats(dir, 'image');
    inputs.noiseAugmentation = floats(dir, 'noise_augmentation');
  }
  return inputs;
}

/** Where a PyTorch reference run came from. */
export interface PytorchReference {
  /** The folder holding reference/ (the fixture itself for the recorded run). */
  root: string;
  source: 'recorded' | 'run now';
  torch: string;
  diffusers: string;
}

/** The run recorded beside the fixture. */
export function recordedReference(fixtureDir: string): PytorchReference {
  const versions = JSON.parse(readFileSync(join(fixtureDir, 'export-info.json'), 'utf8')) as { torch: string; diffusers: string };
  return { root: fixtureDir, source: 'recorded', torch: versions.torch, diffusers: versions.diffusers };
}

/** Runs the fixture's PyTorch pipelines now with `python` (tools/parity/run_pytorch_reference.py) into a temporary folder. */
export async function runPytorchReference(fixtureDir: string, python: string): Promise<PytorchReference> {
  const root = await mkdtemp(join(tmpdir(), 'lightbench-pytorch-reference-'));
  const script = join(import.meta.dirname, 'run_pytorch_reference.py');
  try {
    const { stdout } = await promisify(execFile)(python, [script, '--fixture', fixtureDir, '--out', root], { maxBuffer: 2 ** 20 });
    const run = JSON.parse(stdout.trim().split('\n').pop()!) as { torch: string; diffusers: string };
    return { root, source: 'run now', torch: run.torch, diffusers: run.diffusers };
  } catch (error) {
    throw new HarnessError('pytorch-unavailable', `${python} ${script} failed for ${fixtureDir}: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}; install tools/export/requirements.txt into that Python`);
  }
}

const BASELINE: VariantConfig = { name: 'baseline', kind: 'baseline', cache: null, chunks: null, sliceFrames: null, swap: false };

/**
 * Runs the fixture in `fixtureDir` against a PyTorch reference run (default: the recorded one): baseline and
 * deepcache for a UNet; for a diffusion transformer its baseline, decoded all at once and frame by frame.
 */
export async function checkParity(fixtureDir: string, reference: PytorchReference = recordedReference(fixtureDir), modelDir = join(tmpdir(), 'lightbench-parity-models')): Promise<ParityResult[]> {
  const manifestPath = join(fixtureDir, 'manifest.json');
  const model = (await manifestKind(manifestPath)) === 'text-to-video-dit' ? await loadDitManifest(manifestPath) : await loadModelManifest(manifestPath);
  const index = readReferenceIndex(reference.root);
  const guidance = model.kind === 'image-to-video' ? Number(index.minGuidanceScale) : Number(index.guidanceScale);
  const runs: { label: ParityResult['variant']; variant: VariantConfig; userModel: UserModelSource | UserDitSource; expected: string }[] = [];
  if (model.kind === 'text-to-video-dit') {
    runs.push({ label: 'baseline', variant: BASELINE, userModel: model, expected: 'baseline' });
    if (model.vaeDecoder.causalFrames) runs.push({ label: 'baseline-sliced', variant: { ...BASELINE, sliceFrames: 1 }, userModel: model, expected: 'baseline' });
    // The recorded block caches that keep as many blocks live at each end: lightbench's deepcache at that branch.
    const blockCache = index.blockCache as { interval: number; runs: Record<string, { firstBlocks?: number; lastBlocks?: number }> };
    for (const [name, run] of Object.entries(blockCache.runs)) {
      if (run.firstBlocks === undefined || run.firstBlocks !== run.lastBlocks) continue;
      const cache = { interval: blockCache.interval, branch: run.firstBlocks, schedule: 'uniform', center: 0, power: 1.4 } as const;
      const label = run.firstBlocks === 0 ? 'deepcache' : (`deepcache-branch-${run.firstBlocks}` as const);
      runs.push({ label, variant: { name: 'deepcache', kind: 'deepcache', cache, chunks: null, sliceFrames: null, swap: false }, userModel: model, expected: name });
    }
  } else {
    const cache = { interval: index.deepcache.cacheInterval, branch: index.deepcache.projectBranch, schedule: 'uniform', center: 0, power: 1.4 } as const;
    runs.push(
      { label: 'baseline', variant: BASELINE, userModel: model, expected: 'baseline' },
      { label: 'deepcache', variant: { name: 'deepcache', kind: 'deepcache', cache, chunks: null, sliceFrames: null, swap: false }, userModel: model, expected: 'deepcache' },
    );
  }
  const inputs = recordedInputs(reference.root, model);
  const results: ParityResult[] = [];
  for (const { label, variant, userModel, expected: recorded } of runs) {
    const request = {
      userModel,
      frames: model.latent.frames,
      steps: index.steps,
      seed: 0,
      prompt: '',
      negativePrompt: '',
      guidanceScale: guidance,
      scheduler: model.scheduler,
      variant,
      session: MEASURED_SESSION,
      executionProvider: 'cpu' as const,
      modelDir,
      inputs,
    };
    const output = await runUserPipeline(request, await prepareUserModels(request));
    const expected = floats(reference.root, `${recorded}.frames`);
    if (output.frames.length !== expected.length) throw new HarnessError('shape-mismatch', `${fixtureDir}: ${variant.name} gave ${output.frames.length} values, the reference has ${expected.length}`);
    const { maxAbsError, referenceMaxAbs, relativeError } = frameError(output.frames, expected);
    const against =
      variant.cache === null
        ? `diffusers ${String(index.pipeline)}`
        : model.kind === 'text-to-video-dit'
          ? `diffusers ${String(index.pipeline)} with tools/export/block_cache.py (${recorded}: interval ${variant.cache.interval}, ${variant.cache.branch} blocks live at each end)`
          : `${index.deepcache.helper} (cache_interval ${variant.cache.interval}, cache_branch_id ${index.deepcache.cacheBranchId})`;
    results.push({ fixture: model.name, variant: label, reference: `${against}, ${reference.source} on torch ${reference.torch}`, maxAbsError, relativeError, referenceMaxAbs });
  }
  return results;
}

/** The relative error both comparisons must stay within. */
export const PARITY_TOLERANCE = 1e-3;

async function main(args: string[]): Promise<void> {
  const at = args.indexOf('--pytorch');
  const python = at >= 0 ? args[at + 1] : process.env.LIGHTBENCH_PYTORCH_PYTHON;
  const dirs = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
  const fixtures = dirs.length ? dirs : ['animatediff-tiny', 'svd-tiny', 'wan-tiny', 'easyanimate-tiny'].map((name) => join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'user-models', name));
  let failed = false;
  for (const dir of fixtures) {
    const reference = python ? await runPytorchReference(dir, python) : recordedReference(dir);
    const results = await checkParity(dir, reference);
    if (reference.source === 'run now') await rm(reference.root, { recursive: true, force: true });
    for (const r of results) {
      const ok = r.relativeError <= PARITY_TOLERANCE;
      failed ||= !ok;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.fixture} ${r.variant.padEnd(19)} vs ${r.reference}: max abs error ${r.maxAbsError.toExponential(2)}, relative ${r.relativeError.toExponential(2)} (target ≤ ${PARITY_TOLERANCE})`);
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main(process.argv.slice(2));
