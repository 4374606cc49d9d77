import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitManifest } from '../pipelines/models/dit-manifest.ts';
import { loadDitPreset } from '../pipelines/models/dit-preset-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { readOnnxModel } from '../pipelines/onnx/model-file.ts';
import type { PipelineOutput, RuntimeCacheConfig, VariantConfig } from '../pipelines/types.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { BASELINE, userRequest } from './fixtures/run-user-variant.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// Swap moves sessions, chunking moves token rows, slicing decodes frame by frame with the causal cache carried:
// none changes what the run-time cache decides or (beyond float32 rounding) the video it makes.
const TOLERANCE = 1e-4;
const TOKEN_CHUNKS = 2;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const decisions = (output: PipelineOutput) => output.steps.map((s) => s.decision!.calls.map((c) => c.computed));

const runtimeCache = (method: RuntimeCacheConfig['method'], threshold: number): VariantConfig => ({ ...BASELINE, name: method, kind: method, runtimeCache: { method, threshold } });
const withSwitches = (plain: VariantConfig): VariantConfig => ({ ...plain, name: `${plain.name}+lightcache`, swap: true, chunks: { batchFrames: 9, spatial: 2 }, tokenChunks: TOKEN_CHUNKS, sliceFrames: 1 });

const load = (name: string) =>
  name === 'dit-tiny' ? loadDitPreset(join(tmpdir(), 'lightbench-test-models'), getDitPreset(name), 'fused') : loadDitManifest(join(USER_MODELS_DIR, name, 'manifest.json'));
const attentionNodes = async (path: string) => (await readOnnxModel(path)).graph!.node!.filter((n) => n.opType === 'MultiHeadAttention').length;

describe('run-time caches with swap, chunk and slice', () => {
  // Thresholds at which 8 steps both compute and reuse, so equal decisions are not all-computed or all-reused (the
  // tiny models' TeaCache changes, rescaled by Wan 2.1's polynomial, run in the hundreds).
  it.each([
    ['wan-tiny', 'first-block-cache', 0.12],
    ['wan-tiny', 'teacache', 500],
    ['dit-tiny', 'first-block-cache', 0.6],
    ['dit-tiny', 'teacache', 1000],
  ] as const)('%s %s: the same decisions and frames as the plain cache, with models swapped, graphs chunked and frames sliced', async (name, method, threshold) => {
    const model = await load(name);
    const run = async (variant: VariantConfig) => {
      const request = userRequest(model, variant, { steps: 8 });
      const files = await prepareUserModels(request);
      return { files, output: await runUserPipeline(request, files) };
    };
    const plain = await run(runtimeCache(method, threshold));
    const switched = await run(withSwitches(runtimeCache(method, threshold)));
    const kinds = plain.output.steps.map((s) => s.kind);
    expect(new Set(kinds)).toEqual(new Set(['full', 'cached']));
    expect(decisions(switched.output)).toEqual(decisions(plain.output));
    // Swap: each denoiser graph loaded for the denoise stage and released at its end, the decoders for decode.
    expect(plain.output.swaps).toEqual([]);
    expect(switched.output.swaps.some((s) => s.stage === 'denoise' && /denoiser-head/.test(s.what))).toBe(true);
    expect(switched.output.swaps.some((s) => s.stage === 'decode' && /vae-decoder-next-frame/.test(s.what))).toBe(true);
    // Chunk: the rest and cached-rest graphs run every attention once per token slice.
    expect(await attentionNodes(switched.files.unetFull)).toBe(TOKEN_CHUNKS * (await attentionNodes(plain.files.unetFull)));
    expect(switched.files.flops.unetFull).toBe(plain.files.flops.unetFull);
    const error = maxAbsDiff(switched.output.frames, plain.output.frames);
    console.log(`${name} ${method}: ${kinds.filter((k) => k === 'cached').length}/8 steps reused; switched vs plain max abs difference ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
    // The plain baseline differs where steps were reused: the comparison above could fail.
    const baseline = await run(BASELINE);
    expect(maxAbsDiff(baseline.output.frames, plain.output.frames)).toBeGreaterThan(10 * TOLERANCE);
  }, 240_000);
});
