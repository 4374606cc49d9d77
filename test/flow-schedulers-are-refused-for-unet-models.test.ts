import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { parseSuite, planSuite } from '../harness/suite-config.ts';
import { parseModelManifest } from '../pipelines/models/model-manifest.ts';
import { WAN_UNIPC_CONFIG } from '../pipelines/schedulers/flow-scheduler-config.ts';
import { ANIMATEDIFF_DDIM_CONFIG } from '../pipelines/schedulers/scheduler-config.ts';

function failure(run: () => unknown): HarnessError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    return error as HarnessError;
  }
  throw new Error('expected a HarnessError');
}

const UNET_MANIFEST = {
  manifestVersion: 1,
  name: 'unet',
  kind: 'text-to-video',
  textEncoder: { file: 't.onnx', inputs: { inputIds: 'ids' }, outputs: { hiddenStates: 'h' } },
  unet: { file: 'u.onnx', sampleLayout: 'BCFHW', contextBatch: 'per-frame', inputs: { sample: 's', timestep: 't', encoderHiddenStates: 'c' }, outputs: { noisePred: 'o' } },
  vaeDecoder: { file: 'v.onnx', inputs: { latents: 'z' }, outputs: { sample: 'x' } },
  latent: { channels: 4, height: 8, width: 8, frames: 4, scalingFactor: 0.18215 },
  scheduler: ANIMATEDIFF_DDIM_CONFIG,
  guidanceScale: 7.5,
};

describe('flow-matching schedulers go with flow-matching models only', () => {
  it('a suite giving a built-in (UNet) preset a flow scheduler is refused, naming the kinds that fit', () => {
    const error = failure(() => planSuite(parseSuite({ models: ['tiny'], variants: ['baseline'], scheduler: WAN_UNIPC_CONFIG }, 'suite.yaml')));
    expect(error.code).toBe('bad-suite');
    expect(error.message).toContain('scheduler: unipc');
    expect(error.message).toContain('ddim, euler');
    expect(planSuite(parseSuite({ models: ['tiny'], variants: ['baseline'], scheduler: 'euler' }, 'suite.yaml')).pairs).toHaveLength(1);
  });

  it('a UNet manifest with a flow scheduler is refused; with DDIM it parses', () => {
    const error = failure(() => parseModelManifest({ ...UNET_MANIFEST, scheduler: { kind: 'flow-match-euler', numTrainTimesteps: 1000, shift: 3 } }, 'm.json'));
    expect(error.code).toBe('bad-model-manifest');
    expect(error.message).toContain('kind "flow-match-euler" samples flow-matching models');
    expect(parseModelManifest(UNET_MANIFEST, 'm.json').scheduler).toEqual(ANIMATEDIFF_DDIM_CONFIG);
  });
});
