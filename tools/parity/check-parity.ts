// Runs lightbench's baseline and deepcache variants of exported diffusers fixtures from the inputs recorded in their
// PyTorch reference runs, and compares the videos: lightbench baseline vs the plain diffusers pipeline, lightbench
// deepcache vs DeepCache's own helper (DeepCacheSDHelper) at the same interval and branch.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelManifest } from '../../pipelines/models/model-manifest.ts';
import type { UserModelSource } from '../../pipelines/models/types.ts';
import { MEASURED_SESSION } from '../../harness/suite-config.ts';
import type { UserPipelineInputs, VariantConfig } from '../../pipelines/types.ts';
import { prepareUserModels } from '../../pipelines/user-model-files.ts';
import { runUserPipeline } from '../../pipelines/user-video-pipeline.ts';
import { readReferenceIndex, readReferenceTensor } from './reference-store.ts';

/** One comparison of a lightbench video with the PyTorch one. */
export interface ParityResult {
  fixture: string;
  variant: 'baseline' | 'deepcache';
  reference: string;
  maxAbsError: number;
  /** Max abs error over the reference video's max |value|. */
  relativeError: number;
  referenceMaxAbs: number;
}

const floats = (dir: string, name: string) => readReferenceTensor(dir, name).data as Float32Array;

function recordedInputs(dir: string, model: UserModelSource): UserPipelineInputs {
  const inputs: UserPipelineInputs = { initialNoise: floats(dir, 'initial_noise') };
  if (model.kind === 'text-to-video') {
    const ids = (name: string) => Array.from(readReferenceTensor(dir, name).data as BigInt64Array, Number);
    inputs.tokenIds = { prompt: ids('text_encoder.input_ids'), negative: ids('text_encoder.negative_input_ids') };
  } else {
    inputs.image = floats(dir, 'image');
    inputs.noiseAugmentation = floats(dir, 'noise_augmentation');
  }
  return inputs;
}

/** Runs both variants of the fixture in `fixtureDir` (manifest.json + reference/) and measures their errors. */
export async function checkParity(fixtureDir: string, modelDir = join(tmpdir(), 'lightbench-parity-models')): Promise<ParityResult[]> {
  const model = await loadModelManifest(join(fixtureDir, 'manifest.json'));
  const index = readReferenceIndex(fixtureDir);
  const guidance = model.kind === 'image-to-video' ? Number(index.minGuidanceScale) : Number(index.guidanceScale);
  const cache = { interval: index.deepcache.cacheInterval, branch: index.deepcache.projectBranch, schedule: 'uniform', center: 0, power: 1.4 } as const;
  const variants: VariantConfig[] = [
    { name: 'baseline', kind: 'baseline', cache: null, chunks: null, sliceFrames: null, swap: false },
    { name: 'deepcache', kind: 'deepcache', cache, chunks: null, sliceFrames: null, swap: false },
  ];
  const results: ParityResult[] = [];
  for (const variant of variants) {
    const request = {
      userModel: model,
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
      inputs: recordedInputs(fixtureDir, model),
    };
    const output = await runUserPipeline(request, await prepareUserModels(request));
    const expected = floats(fixtureDir, `${variant.name}.frames`);
    let maxAbsError = 0;
    let referenceMaxAbs = 0;
    for (let i = 0; i < expected.length; i++) {
      maxAbsError = Math.max(maxAbsError, Math.abs(output.frames[i]! - expected[i]!));
      referenceMaxAbs = Math.max(referenceMaxAbs, Math.abs(expected[i]!));
    }
    if (output.frames.length !== expected.length) throw new Error(`${fixtureDir}: ${variant.name} gave ${output.frames.length} values, the reference has ${expected.length}`);
    const reference = variant.name === 'baseline' ? `diffusers ${String(index.pipeline)}` : `${index.deepcache.helper} (cache_interval ${cache.interval}, cache_branch_id ${index.deepcache.cacheBranchId})`;
    results.push({ fixture: model.name, variant: variant.name as ParityResult['variant'], reference, maxAbsError, relativeError: maxAbsError / referenceMaxAbs, referenceMaxAbs });
  }
  return results;
}

/** The relative error both comparisons must stay within. */
export const PARITY_TOLERANCE = 1e-3;

async function main(dirs: string[]): Promise<void> {
  const fixtures = dirs.length ? dirs : ['animatediff-tiny', 'svd-tiny'].map((name) => join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'user-models', name));
  let failed = false;
  for (const dir of fixtures) {
    for (const r of await checkParity(dir)) {
      const ok = r.relativeError <= PARITY_TOLERANCE;
      failed ||= !ok;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.fixture} ${r.variant.padEnd(9)} vs ${r.reference}: max abs error ${r.maxAbsError.toExponential(2)}, relative ${r.relativeError.toExponential(2)} (target ≤ ${PARITY_TOLERANCE})`);
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main(process.argv.slice(2));
