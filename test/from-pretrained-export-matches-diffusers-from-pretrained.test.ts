import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { PARITY_TOLERANCE, checkParity } from '../tools/parity/check-parity.ts';
import { readReferenceTensor } from '../tools/parity/reference-store.ts';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// A user's own checkpoint: tiny random pipelines saved with save_pretrained (AnimateDiff as a UNet2DConditionModel
// with a MotionAdapter and a v_prediction, leading-spacing DDIM; SVD with SVD-XT's Euler config), exported with
// --from-pretrained, and run by lightbench against the same folders loaded back with from_pretrained. Needs Python
// with tools/export/requirements.txt ($LIGHTBENCH_PYTORCH_PYTHON, or the .venv-pytorch that .ci/run installs).
// The TorchScript exporter keeps it to seconds per pipeline (the dynamo exporter takes about a minute each here);
// everything else on the --from-pretrained path is the same for both, and the fixtures' tests cover dynamo graphs.
// The float16 export is dynamo's (the exporter refuses float16 with the TorchScript exporter).
const python = PYTORCH_PYTHON;
const SCRIPT = join(import.meta.dirname, '..', 'tools', 'parity', 'pretrained_reference.py');

describe.skipIf(!python)(`--from-pretrained exports match diffusers' from_pretrained pipelines (${python ? `Python at ${python}` : 'skipped: no Python with tools/export/requirements.txt; set LIGHTBENCH_PYTORCH_PYTHON or run .ci/run'})`, () => {
  let root = '';
  let versions = { torch: '', diffusers: '' };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lightbench-pretrained-'));
    const { stdout } = await promisify(execFile)(python!, [SCRIPT, '--out', root, '--float16', '--exporter', 'legacy'], { maxBuffer: 16 * 2 ** 20, env: { ...process.env, HF_HUB_OFFLINE: '1' } });
    versions = JSON.parse(stdout.trim().split('\n').pop()!) as typeof versions;
  }, 300_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("the AnimateDiff manifest carries the checkpoint's own scheduler and tokenizer", async () => {
    const model = await loadModelManifest(join(root, 'animatediff-onnx', 'manifest.json'));
    expect(model.scheduler).toMatchObject({ kind: 'ddim', predictionType: 'v_prediction', timestepSpacing: 'leading', stepsOffset: 1, betaSchedule: 'scaled_linear' });
    expect(model.sourceScheduler?.className).toBe('DDIMScheduler');
    expect(model.kind === 'text-to-video' && model.textEncoder.tokenizer).toBe(join(root, 'animatediff-onnx', 'tokenizer', 'tokenizer.json'));
  });

  it('--dtype float16: float16 weights, float32 inputs and outputs, the video within float16 rounding of the float32 run', async () => {
    const dir = join(root, 'animatediff-onnx-float16');
    const unet = await readOnnxModel(join(dir, 'unet.onnx'));
    // Elements of floating initializers by type: the weights are float16; a few float32 constants (the timestep
    // frequencies diffusers keeps in float32) remain.
    const elements = { float16: 0, float32: 0 };
    for (const t of unet.graph!.initializer ?? []) {
      const count = (t.dims ?? []).reduce<number>((p, d) => p * Number(d), 1);
      if (t.dataType === 10) elements.float16 += count;
      if (t.dataType === 1) elements.float32 += count;
    }
    expect(elements.float16).toBeGreaterThan(1000 * elements.float32);
    const model = await loadModelManifest(join(dir, 'manifest.json'));
    expect([model.unet.inputs.sample.elementType, model.unet.outputs.noisePred.elementType]).toEqual(['float32', 'float32']);
    const [baseline] = await checkParity(dir, { root: dir, source: 'run now', ...versions }, join(root, 'models'));
    console.log(`animatediff float16 baseline vs float32 diffusers: max abs ${baseline!.maxAbsError.toExponential(2)}`);
    expect(baseline!.maxAbsError).toBeGreaterThan(0);
    expect(baseline!.maxAbsError).toBeLessThan(2e-2);
  }, 120_000);

  for (const kind of ['animatediff', 'svd'] as const) {
    it(`${kind}: baseline and deepcache within ${PARITY_TOLERANCE} relative`, async () => {
      const dir = join(root, `${kind}-onnx`);
      const results = await checkParity(dir, { root: dir, source: 'run now', ...versions }, join(root, 'models'));
      for (const r of results) console.log(`${kind} from_pretrained ${r.variant}: max abs ${r.maxAbsError.toExponential(2)}, relative ${r.relativeError.toExponential(2)}`);
      expect(results.map((r) => r.variant)).toEqual(['baseline', 'deepcache']);
      for (const r of results) {
        expect(r.referenceMaxAbs).toBeGreaterThan(0.1);
        expect(r.relativeError).toBeLessThanOrEqual(PARITY_TOLERANCE);
      }
      const plain = readReferenceTensor(dir, 'baseline.frames').data as Float32Array;
      const cached = readReferenceTensor(dir, 'deepcache.frames').data as Float32Array;
      expect(plain.reduce((m, v, i) => Math.max(m, Math.abs(v - cached[i]!)), 0)).toBeGreaterThan(100 * results[1]!.maxAbsError);
    }, 120_000);
  }
});
