// lightbench's pab on an exported Wan fixture against diffusers' Pyramid Attention Broadcast hook on the same
// weights and inputs: per step and per transformer call, each attention kind computed or broadcast, and the video.
// The PyTorch run is made now (`--pytorch PYTHON`, or $LIGHTBENCH_PYTORCH_PYTHON; tools/parity/pab_reference.py)
// or read from the run recorded beside the fixture (pab/).
//   npx tsx tools/parity/pab-parity.ts [--pytorch /path/to/venv/bin/python] [FIXTURE_DIR]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { MEASURED_SESSION } from '../../harness/suite-config.ts';
import { HarnessError } from '../../pipelines/harness-error.ts';
import { loadDitManifest } from '../../pipelines/models/dit-manifest.ts';
import type { AttentionBroadcastConfig, CallDecision, VariantConfig } from '../../pipelines/types.ts';
import { prepareUserModels } from '../../pipelines/user-model-files.ts';
import { runUserPipeline } from '../../pipelines/user-video-pipeline.ts';
import { PARITY_TOLERANCE, recordedInputs } from './check-parity.ts';
import { frameError } from './frame-error.ts';
import { readReferenceIndex, readReferenceTensor } from './reference-store.ts';

/** A PyTorch run of Pyramid Attention Broadcast: its folder, settings and per-step decisions (negative prompt, prompt). */
export interface PabReference {
  folder: string;
  source: 'recorded' | 'run now';
  steps: number;
  config: AttentionBroadcastConfig;
  decisions: CallDecision[][];
  torch: string;
  diffusers: string;
}

function readReference(folder: string, source: PabReference['source']): PabReference {
  const index = readReferenceIndex(dirname(folder), basename(folder));
  return { folder, source, steps: index.steps, config: index.config as AttentionBroadcastConfig, decisions: index.decisions as CallDecision[][], torch: String(index.torch), diffusers: String(index.diffusers) };
}

/** The run recorded beside the fixture (pab/). */
export function recordedPabReference(fixtureDir: string): PabReference {
  return readReference(join(fixtureDir, 'pab'), 'recorded');
}

/** Runs pab_reference.py now with `python`, at the recorded run's steps and config, into a temporary folder. */
export async function runPabReference(fixtureDir: string, python: string): Promise<PabReference> {
  const { steps, config } = recordedPabReference(fixtureDir);
  const folder = await mkdtemp(join(tmpdir(), 'lightbench-pab-'));
  const script = join(import.meta.dirname, 'pab_reference.py');
  const skip = (v: number | null) => (v === null ? 'none' : String(v));
  const args = [
    script, '--fixture', fixtureDir, '--out', folder, '--steps', String(steps),
    '--spatial-block-skip-range', skip(config.spatialAttentionBlockSkipRange), '--spatial-timestep-skip-range', config.spatialAttentionTimestepSkipRange.join(','),
    '--cross-block-skip-range', skip(config.crossAttentionBlockSkipRange), '--cross-timestep-skip-range', config.crossAttentionTimestepSkipRange.join(','),
  ];
  try {
    await promisify(execFile)(python, args, { maxBuffer: 2 ** 20 });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw new HarnessError('pytorch-unavailable', `${python} ${script} failed for ${fixtureDir}: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}; install tools/export/requirements.txt into that Python`);
  }
  return readReference(folder, 'run now');
}

/** lightbench's pab run set beside the PyTorch one. */
export interface PabParity {
  decisions: CallDecision[][];
  reference: PabReference;
  maxAbsError: number;
  /** Max abs error over the reference video's max |value|. */
  relativeError: number;
  /** How far the PyTorch broadcast video is from its plain one: what broadcasting changed, for scale. */
  reuseChangedMaxAbs: number;
  /** Peak bytes of the kept attention outputs. */
  cacheBytes: number;
}

/** Runs pab with the reference's steps and config from the inputs recorded beside the fixture. */
export async function checkPabParity(fixtureDir: string, reference: PabReference, modelDir = join(tmpdir(), 'lightbench-parity-models')): Promise<PabParity> {
  const model = await loadDitManifest(join(fixtureDir, 'manifest.json'));
  const variant: VariantConfig = { name: 'pab', kind: 'pab', cache: null, chunks: null, sliceFrames: null, swap: false, attentionBroadcast: reference.config };
  const request = {
    userModel: model, frames: model.latent.frames, steps: reference.steps, seed: 0, prompt: '', negativePrompt: '', guidanceScale: model.guidanceScale,
    scheduler: model.scheduler, variant, session: MEASURED_SESSION, executionProvider: 'cpu' as const, modelDir, inputs: recordedInputs(fixtureDir, model),
  };
  const output = await runUserPipeline(request, await prepareUserModels(request));
  const frames = (name: string) => readReferenceTensor(dirname(reference.folder), name, basename(reference.folder)).data as Float32Array;
  const expected = frames('pab.frames');
  const plain = frames('baseline.frames');
  const { maxAbsError, relativeError } = frameError(output.frames, expected);
  // How far reuse moved the reference video from its own plain run: what the parity above has to distinguish.
  const reuseChangedMaxAbs = frameError(plain, expected).maxAbsError;
  return { decisions: output.steps.map((s) => s.decision?.calls ?? []), reference, maxAbsError, relativeError, reuseChangedMaxAbs, cacheBytes: output.cache.peakBytes };
}

/** Each call's attention outcomes, comparable across both runs. */
export function pabOutcomes(steps: readonly CallDecision[][]): string[][] {
  return steps.map((calls) => calls.map((c) => `${c.call}:${(c.attention ?? []).map((a) => `${a.kind}#${a.iteration}${a.inTimestepRange ? '' : '(out of range)'}=${a.computed ? 'computed' : 'broadcast'}`).join(',')}`));
}

async function main(args: string[]): Promise<void> {
  const at = args.indexOf('--pytorch');
  const python = at >= 0 ? args[at + 1] : process.env.LIGHTBENCH_PYTORCH_PYTHON;
  const rest = at >= 0 ? args.filter((_, i) => i !== at && i !== at + 1) : args;
  const fixture = rest[0] ?? join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'user-models', 'wan-tiny');
  const reference = python ? await runPabReference(fixture, python) : recordedPabReference(fixture);
  try {
    const parity = await checkPabParity(fixture, reference);
    const ours = pabOutcomes(parity.decisions);
    const theirs = pabOutcomes(reference.decisions);
    ours.forEach((calls, i) => console.log(`step ${i}: lightbench ${calls.join('; ')} | PyTorch ${theirs[i]!.join('; ')}`));
    const same = JSON.stringify(ours) === JSON.stringify(theirs);
    const ok = same && parity.relativeError <= PARITY_TOLERANCE;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${basename(fixture)} pab (${reference.steps} steps, ${JSON.stringify(reference.config)}) vs diffusers' Pyramid Attention Broadcast, ${reference.source} on torch ${reference.torch}: decisions ${same ? 'identical' : 'differ'}, max abs error ${parity.maxAbsError.toExponential(2)}, relative ${parity.relativeError.toExponential(2)} (target ≤ ${PARITY_TOLERANCE}); broadcasting changed the video by up to ${parity.reuseChangedMaxAbs.toExponential(2)}; kept attention outputs ${parity.cacheBytes} bytes`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    if (reference.source === 'run now') await rm(reference.folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main(process.argv.slice(2));
