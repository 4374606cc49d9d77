// lightbench's first-block-cache on an exported Wan fixture against diffusers' FirstBlockCache hook on the same
// weights and inputs: per step and per transformer call, computed or reused, and the video. The PyTorch run is made
// now (`--pytorch PYTHON`, or $LIGHTBENCH_PYTORCH_PYTHON; tools/parity/first_block_cache_reference.py) or read
// from the run recorded beside the fixture (first-block-cache/).
//   npx tsx tools/parity/first-block-cache-parity.ts [--pytorch /path/to/venv/bin/python] [FIXTURE_DIR]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MEASURED_SESSION } from '../../harness/suite-config.ts';
import { HarnessError } from '../../pipelines/harness-error.ts';
import { loadDitManifest } from '../../pipelines/models/dit-manifest.ts';
import type { CallDecision, VariantConfig } from '../../pipelines/types.ts';
import { prepareUserModels } from '../../pipelines/user-model-files.ts';
import { runUserPipeline } from '../../pipelines/user-video-pipeline.ts';
import { PARITY_TOLERANCE, recordedInputs } from './check-parity.ts';
import { readReferenceIndex, readReferenceTensor } from './reference-store.ts';

/** Where the recorded FirstBlockCache run lives beside a fixture. */
export const FIRST_BLOCK_CACHE_FOLDER = 'first-block-cache';

/** A FirstBlockCache run of diffusers: its folder, settings and per-step decisions (negative prompt, prompt). */
export interface FirstBlockCacheReference {
  /** The folder holding reference.json and the videos. */
  folder: string;
  source: 'recorded' | 'run now';
  steps: number;
  threshold: number;
  decisions: CallDecision[][];
  torch: string;
  diffusers: string;
}

function readReference(folder: string, source: FirstBlockCacheReference['source']): FirstBlockCacheReference {
  const index = readReferenceIndex(dirname(folder), basename(folder));
  return { folder, source, steps: index.steps, threshold: Number(index.threshold), decisions: index.decisions as CallDecision[][], torch: String(index.torch), diffusers: String(index.diffusers) };
}

/** The run recorded beside the fixture. */
export function recordedFirstBlockCacheReference(fixtureDir: string): FirstBlockCacheReference {
  return readReference(join(fixtureDir, FIRST_BLOCK_CACHE_FOLDER), 'recorded');
}

/** Runs diffusers' FirstBlockCache now with `python`, at the recorded run's steps and threshold, into a temporary folder. */
export async function runFirstBlockCacheReference(fixtureDir: string, python: string): Promise<FirstBlockCacheReference> {
  const { steps, threshold } = recordedFirstBlockCacheReference(fixtureDir);
  const folder = await mkdtemp(join(tmpdir(), 'lightbench-first-block-cache-'));
  const script = join(import.meta.dirname, 'first_block_cache_reference.py');
  try {
    await promisify(execFile)(python, [script, '--fixture', fixtureDir, '--out', folder, '--steps', String(steps), '--threshold', String(threshold)], { maxBuffer: 2 ** 20 });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw new HarnessError('pytorch-unavailable', `${python} ${script} failed for ${fixtureDir}: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}; install tools/export/requirements.txt into that Python`);
  }
  return readReference(folder, 'run now');
}

/** lightbench's first-block-cache run set beside diffusers': both runs' decisions and how far the videos are apart. */
export interface FirstBlockCacheParity {
  decisions: CallDecision[][];
  reference: FirstBlockCacheReference;
  maxAbsError: number;
  /** Max abs error over the reference video's max |value|. */
  relativeError: number;
  /** How far diffusers' cached video is from its plain one: what reuse changed, for scale. */
  reuseChangedMaxAbs: number;
}

/** Runs `first-block-cache` at the reference's steps and threshold from the inputs recorded beside the fixture. */
export async function checkFirstBlockCacheParity(fixtureDir: string, reference: FirstBlockCacheReference, modelDir = join(tmpdir(), 'lightbench-parity-models')): Promise<FirstBlockCacheParity> {
  const model = await loadDitManifest(join(fixtureDir, 'manifest.json'));
  const variant: VariantConfig = { name: 'first-block-cache', kind: 'first-block-cache', cache: null, chunks: null, sliceFrames: null, swap: false, runtimeCache: { method: 'first-block-cache', threshold: reference.threshold } };
  const request = {
    userModel: model,
    frames: model.latent.frames,
    steps: reference.steps,
    seed: 0,
    prompt: '',
    negativePrompt: '',
    guidanceScale: model.guidanceScale,
    scheduler: model.scheduler,
    variant,
    session: MEASURED_SESSION,
    executionProvider: 'cpu' as const,
    modelDir,
    inputs: recordedInputs(fixtureDir, model),
  };
  const output = await runUserPipeline(request, await prepareUserModels(request));
  const frames = (name: string) => readReferenceTensor(dirname(reference.folder), name, basename(reference.folder)).data as Float32Array;
  const expected = frames('first_block_cache.frames');
  const plain = frames('baseline.frames');
  let maxAbsError = 0;
  let referenceMaxAbs = 0;
  let reuseChangedMaxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbsError = Math.max(maxAbsError, Math.abs(output.frames[i]! - expected[i]!));
    referenceMaxAbs = Math.max(referenceMaxAbs, Math.abs(expected[i]!));
    reuseChangedMaxAbs = Math.max(reuseChangedMaxAbs, Math.abs(plain[i]! - expected[i]!));
  }
  const decisions = output.steps.map((step) => step.decision?.calls ?? []);
  return { decisions, reference, maxAbsError, relativeError: maxAbsError / referenceMaxAbs, reuseChangedMaxAbs };
}

/** One line per step: each call's outcome and change, lightbench then diffusers. */
export function formatDecisions(parity: FirstBlockCacheParity): string[] {
  const call = (c: CallDecision | undefined) => (c ? `${c.call} ${c.computed ? 'computed' : 'reused  '} ${c.change === null ? '   —   ' : c.change.toFixed(5)}` : '—');
  return parity.reference.decisions.map((ref, i) => `step ${i}: lightbench ${parity.decisions[i]!.map(call).join(', ')} | diffusers ${ref.map(call).join(', ')}`);
}

async function main(args: string[]): Promise<void> {
  const at = args.indexOf('--pytorch');
  const python = at >= 0 ? args[at + 1] : process.env.LIGHTBENCH_PYTORCH_PYTHON;
  const dirs = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
  const fixture = dirs[0] ?? join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'user-models', 'wan-tiny');
  const reference = python ? await runFirstBlockCacheReference(fixture, python) : recordedFirstBlockCacheReference(fixture);
  try {
    const parity = await checkFirstBlockCacheParity(fixture, reference);
    for (const line of formatDecisions(parity)) console.log(line);
    const same = parity.decisions.every((calls, i) => calls.map((c) => c.computed).join() === reference.decisions[i]!.map((c) => c.computed).join());
    const ok = same && parity.relativeError <= PARITY_TOLERANCE;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${basename(fixture)} first-block-cache (${reference.steps} steps, threshold ${reference.threshold}) vs diffusers FirstBlockCache, ${reference.source} on torch ${reference.torch}: decisions ${same ? 'identical' : 'differ'}, max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)} (target ≤ ${PARITY_TOLERANCE}); reuse changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main(process.argv.slice(2));
