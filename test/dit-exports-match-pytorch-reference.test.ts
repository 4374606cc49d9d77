import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import type { UserDitSource, UserModelComponent } from '../pipelines/models/types.ts';
import type { Feed } from './fixtures/run-built-graph.ts';
import { maxAbs, maxAbsDiff, runModelFile } from './fixtures/run-built-graph.ts';
import { USER_MODELS_DIR, referenceTensor } from './fixtures/user-model-reference.ts';

// Each exported graph, fed the inputs of its first call in the diffusers pipeline run, gives PyTorch's output
// within 1e-4 of the output's magnitude (float32 kernels differ in summation order).
const RELATIVE_TOLERANCE = 1e-4;

type Component = UserModelComponent<string, string>;

/** (component, reference name per input role, reference name of the output) per fixture. */
const CASES: Record<string, [keyof UserDitSource & ('textEncoder' | 'denoiser' | 'vaeDecoder'), Record<string, string>, string][]> = {
  'wan-tiny': [
    ['textEncoder', { inputIds: 'text_encoder.input_ids', attentionMask: 'text_encoder.attention_mask' }, 'text_encoder.last_hidden_state'],
    ['textEncoder', { inputIds: 'text_encoder.negative_input_ids', attentionMask: 'text_encoder.negative_attention_mask' }, 'text_encoder.negative_last_hidden_state'],
    ['denoiser', { sample: 'transformer.hidden_states', timestep: 'transformer.timestep', encoderHiddenStates: 'transformer.encoder_hidden_states' }, 'transformer.out_sample'],
    ['vaeDecoder', { latents: 'vae_decoder.latent_sample' }, 'vae_decoder.sample'],
  ],
  'easyanimate-tiny': [
    ['textEncoder', { inputIds: 'text_encoder.input_ids', attentionMask: 'text_encoder.attention_mask' }, 'text_encoder.hidden_states'],
    ['textEncoder', { inputIds: 'text_encoder.negative_input_ids', attentionMask: 'text_encoder.negative_attention_mask' }, 'text_encoder.negative_hidden_states'],
    ['denoiser', { sample: 'transformer.hidden_states', timestep: 'transformer.timestep', encoderHiddenStates: 'transformer.encoder_hidden_states' }, 'transformer.out_sample'],
    ['vaeDecoder', { latents: 'vae_decoder.latent_sample' }, 'vae_decoder.sample'],
  ],
};

function expectClose(what: string, actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const error = maxAbsDiff(actual, expected);
  const scale = maxAbs(expected);
  console.log(`${what}: max abs error ${error.toExponential(2)} (max |output| ${scale.toFixed(3)})`);
  expect(scale).toBeGreaterThan(1e-3);
  expect(error).toBeLessThanOrEqual(RELATIVE_TOLERANCE * Math.max(1, scale));
}

for (const [fixture, cases] of Object.entries(CASES)) {
  describe(`${fixture}: ONNX graphs reproduce the diffusers components`, async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    for (const [name, inputs, output] of cases) {
      it(`${name} (${output})`, async () => {
        const component = model[name] as Component;
        const feeds = Object.fromEntries(Object.entries(inputs).map(([role, reference]) => [component.inputs[role]!.name, referenceTensor(fixture, reference)]));
        const actual = (await runModelFile(component.path, feeds))[Object.values(component.outputs)[0]!.name]!;
        expectClose(`${fixture} ${output}`, actual, referenceTensor(fixture, output).data as Float32Array);
      });
    }
  });
}

for (const fixture of Object.keys(CASES)) {
  describe(`${fixture}: the per-frame causal decoder`, async () => {
    const model = await loadDitManifest(join(USER_MODELS_DIR, fixture, 'manifest.json'));
    const causal = model.vaeDecoder.causalFrames!;

    it('decodes frame by frame, carrying its cache, to what PyTorch decodes from all frames at once', async () => {
      const latents = referenceTensor(fixture, 'vae_decoder.latent_sample');
      const [, channels, frames, h, w] = latents.dims as number[];
      const frameSize = channels! * h! * w!;
      // [1, C, F, h, w] → one latent frame [1, C, 1, h, w].
      const frame = (f: number): Feed => {
        const data = new Float32Array(frameSize);
        for (let c = 0; c < channels!; c++) data.set((latents.data as Float32Array).subarray((c * frames! + f) * h! * w!, (c * frames! + f + 1) * h! * w!), c * h! * w!);
        return { data, dims: [1, channels!, 1, h!, w!] };
      };
      const pieces: { data: Float32Array; frames: number }[] = [];
      let outputs = await runModelFile(causal.firstFrame.path, { [causal.firstFrame.inputs.latents.name]: frame(0) });
      pieces.push({ data: outputs[causal.firstFrame.outputs.sample.name]!, frames: 1 });
      // Slots the first frame leaves out start as zeros.
      let cache = causal.firstFrame.cacheOutputs.map((t, i) => (t ? outputs[t.name]! : new Float32Array((causal.nextFrame.cacheInputs[i]!.shape as number[]).reduce((a, b) => a * b, 1))));
      for (let f = 1; f < frames!; f++) {
        const feeds: Record<string, Feed> = { [causal.nextFrame.inputs.latents.name]: frame(f) };
        causal.nextFrame.cacheInputs.forEach((t, i) => (feeds[t.name] = { data: cache[i]!, dims: t.shape as number[] }));
        outputs = await runModelFile(causal.nextFrame.path, feeds);
        pieces.push({ data: outputs[causal.nextFrame.outputs.sample.name]!, frames: causal.temporalCompression });
        cache = causal.nextFrame.cacheOutputs.map((t) => outputs[t.name]!);
      }
      // Concatenate the [1, 3, k, H, W] pieces along frames.
      const expected = referenceTensor(fixture, 'vae_decoder.sample');
      const [, rgb, videoFrames, height, width] = expected.dims as number[];
      expect(pieces.reduce((n, p) => n + p.frames, 0)).toBe(videoFrames);
      const plane = height! * width!;
      const joined = new Float32Array(expected.data.length);
      let start = 0;
      for (const piece of pieces) {
        for (let c = 0; c < rgb!; c++) {
          for (let k = 0; k < piece.frames; k++) {
            joined.set(piece.data.subarray((c * piece.frames + k) * plane, (c * piece.frames + k + 1) * plane), (c * videoFrames! + start + k) * plane);
          }
        }
        start += piece.frames;
      }
      expectClose(`${fixture} per-frame decode`, joined, expected.data as Float32Array);
    });
  });
}
