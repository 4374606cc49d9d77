import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDitPreset } from '../pipelines/models/dit-preset-manifest.ts';
import { getDitPreset } from '../pipelines/models/dit-presets.ts';
import { prepareUserModels } from '../pipelines/user-model-files.ts';
import { runUserPipeline } from '../pipelines/user-video-pipeline.ts';
import { BASELINE, userRequest } from './fixtures/run-user-variant.ts';
import { TEST_SESSION, maxAbsDiff } from './fixtures/run-built-graph.ts';

describe('a DiT preset loaded with fused attention', () => {
  it('runs its MatMul-Softmax-MatMul graphs when the session turns fusion off, with the same video', async () => {
    const model = await loadDitPreset(join(tmpdir(), 'lightbench-test-models'), getDitPreset('dit-tiny'), 'fused');
    const run = async (fuseAttention: boolean) => {
      const request = userRequest(model, BASELINE, { steps: 2, session: { ...TEST_SESSION, fuseAttention } });
      const files = await prepareUserModels(request);
      return { files, output: await runUserPipeline(request, files) };
    };
    const fused = await run(true);
    const unfused = await run(false);
    expect(fused.files.attention).toMatchObject({ requested: true, form: 'fused', unfusedNodes: 0 });
    expect(unfused.files.attention).toMatchObject({ requested: false, form: 'unfused', fusedNodes: 0 });
    expect(unfused.files.attention.unfusedNodes).toBe(fused.files.attention.fusedNodes);
    expect(maxAbsDiff(unfused.output.frames, fused.output.frames)).toBeLessThan(1e-4);
  });
});
