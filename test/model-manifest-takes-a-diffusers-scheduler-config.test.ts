import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../harness/command-models.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-diffusers-scheduler-'));
// A fine-tuned SD 1.5 checkpoint's scheduler/scheduler_config.json as save_pretrained writes it.
const CHECKPOINT_SCHEDULER = {
  _class_name: 'DDIMScheduler',
  _diffusers_version: '0.42.1',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  prediction_type: 'v_prediction',
  set_alpha_to_one: false,
  steps_offset: 1,
  timestep_spacing: 'leading',
};
const TRANSLATED = {
  kind: 'ddim', numTrainTimesteps: 1000, betaStart: 0.00085, betaEnd: 0.012, betaSchedule: 'scaled_linear', stepsOffset: 1, rescaleBetasZeroSnr: false,
  timestepSpacing: 'leading', predictionType: 'v_prediction', clipSample: false, setAlphaToOne: false, eta: 0,
};

describe("a manifest's scheduler given as diffusers configures it", () => {
  it("as the path of the checkpoint's scheduler_config.json, translated and recorded as the source", async () => {
    const path = writeManifestVariant('animatediff-tiny', dir, (m) => (m.scheduler = 'scheduler_config.json'));
    writeFileSync(join(dirname(path), 'scheduler_config.json'), JSON.stringify(CHECKPOINT_SCHEDULER));
    const model = await loadModelManifest(path);
    expect(model.scheduler).toEqual(TRANSLATED);
    expect(model.sourceScheduler).toEqual({ className: 'DDIMScheduler', config: CHECKPOINT_SCHEDULER });
  });

  it('models inspect says it was translated and which keys were ignored, as from_config ignores them', async () => {
    const path = writeManifestVariant('animatediff-tiny', dir, (m) => (m.scheduler = { ...CHECKPOINT_SCHEDULER, skip_prk_steps: true }));
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
    try {
      expect(await main(['inspect', path])).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
    expect(printed).toContain('scheduler ddim (v_prediction)');
    expect(printed).toContain('scheduler translated from diffusers DDIMScheduler; ignored as from_config ignores them: skip_prk_steps');
  });

  it('pasted as an object with its _class_name', async () => {
    const model = await loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => {
      m.scheduler = CHECKPOINT_SCHEDULER;
      delete m.sourceScheduler;
    }));
    expect(model.scheduler).toEqual(TRANSLATED);
  });

  it('pasted without _class_name: one hint to use the translation, not a list of schema errors', async () => {
    const { _class_name: _dropped, ...pasted } = CHECKPOINT_SCHEDULER;
    const error = (await loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => (m.scheduler = pasted))).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('scheduler: beta_end, beta_schedule, beta_start, clip_sample, num_train_timesteps, prediction_type, set_alpha_to_one, steps_offset, timestep_spacing are diffusers scheduler options');
    expect(error.message).toContain('give its path ("scheduler": "scheduler/scheduler_config.json") or paste it with its "_class_name" (DDIMScheduler or EulerDiscreteScheduler)');
    expect(error.message).not.toContain('numTrainTimesteps: Invalid');
  });

  it('an option lightbench does not implement fails the manifest naming it', async () => {
    const path = writeManifestVariant('animatediff-tiny', dir, (m) => (m.scheduler = { ...CHECKPOINT_SCHEDULER, thresholding: true }));
    await expect(loadModelManifest(path)).rejects.toThrow(/scheduler: diffusers DDIMScheduler config: thresholding true is not supported/);
  });

  it('a scheduler path outside the manifest folder is refused', async () => {
    const path = writeManifestVariant('animatediff-tiny', dir, (m) => (m.scheduler = '../scheduler_config.json'));
    await expect(loadModelManifest(path)).rejects.toThrow('scheduler "../scheduler_config.json" leaves the manifest\'s folder');
  });
});
