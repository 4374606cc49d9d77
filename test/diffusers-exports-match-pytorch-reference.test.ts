import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import type { UserModelComponent } from '../pipelines/models/types.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

// Each exported graph, fed the inputs of its first call in the PyTorch pipeline run, gives PyTorch's output:
// within 1e-4 of the output's magnitude (observed up to ~1e-6: float32 kernels differ in summation order).
const RELATIVE_TOLERANCE = 1e-4;

/** (component, reference name of each input role, reference name of the output) per fixture. */
const CASES = {
  'animatediff-tiny': [
    ['textEncoder', { inputIds: 'text_encoder.input_ids' }, 'text_encoder.last_hidden_state'],
    ['unet', { sample: 'unet.sample', timestep: 'unet.timestep', encoderHiddenStates: 'unet.encoder_hidden_states' }, 'unet.out_sample'],
    ['vaeDecoder', { latents: 'vae_decoder.latent_sample' }, 'vae_decoder.sample'],
  ],
  'svd-tiny': [
    ['imageEncoder', { pixelValues: 'image_encoder.pixel_values' }, 'image_encoder.image_embeds'],
    ['vaeEncoder', { sample: 'vae_encoder.sample' }, 'vae_encoder.latent_sample'],
    ['unet', { sample: 'unet.sample', timestep: 'unet.timestep', encoderHiddenStates: 'unet.encoder_hidden_states', addedTimeIds: 'unet.added_time_ids' }, 'unet.out_sample'],
    ['vaeDecoder', { latents: 'vae_decoder.latent_sample' }, 'vae_decoder.sample'],
  ],
} as const;

for (const [fixture, cases] of Object.entries(CASES)) {
  describe(`${fixture}: ONNX graphs reproduce the PyTorch components`, async () => {
    const model = (await loadModelManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'))) as unknown as Record<string, UserModelComponent<string, string>>;
    for (const [name, inputs, output] of cases) {
      it(name, async () => {
        const component = model[name]!;
        const feeds = Object.fromEntries(Object.entries(inputs).map(([role, reference]) => [component.inputs[role]!.name, referenceTensor(fixture, reference)]));
        const expected = referenceTensor(fixture, output);
        const actual = (await runModelFile(component.path, feeds))[Object.values(component.outputs)[0]!.name]!;
        const error = maxAbsDiff(actual, expected.data as Float32Array);
        const scale = maxAbs(expected.data as Float32Array);
        console.log(`${fixture} ${name}: max abs error ${error.toExponential(2)} (max |output| ${scale.toFixed(3)})`);
        expect(scale).toBeGreaterThan(1e-3);
        expect(error).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, scale));
      });
    }
  });
}
