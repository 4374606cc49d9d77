import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inspectModelFile, main } from '../harness/command-models.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// The exporter wrote each manifest's cut points from torch's module scopes (up_blocks.<i> concatenations); inspect
// finds them from graph structure alone. The two must agree, and the down path must show diffusers' skip layout:
// conv_in, then per block its layers and (but for the last) a downsampler. The graph's float initializers hold
// about the PyTorch parameter count export-info.json records (constants folded in, unused weights dropped).
const EXPECTED = {
  'animatediff-tiny': { blocks: 3, layersPerBlock: 2 },
  'svd-tiny': { blocks: 2, layersPerBlock: 2 },
} as const;

const torchParameters = (fixture: string): number => JSON.parse(readFileSync(join(USER_MODELS_DIR, fixture, 'export-info.json'), 'utf8')).files['unet.onnx'].parameters;

afterEach(() => {
  vi.restoreAllMocks();
});

for (const [fixture, expected] of Object.entries(EXPECTED)) {
  describe(`models inspect ${fixture}/unet.onnx`, () => {
    const file = join(USER_MODELS_DIR, fixture, 'unet.onnx');

    it('finds one skip concatenation per down-path skip, in diffusers up-layer order, with the manifest cut points as branches', async () => {
      const inspection = await inspectModelFile(file);
      const skips = inspection.skipConnections;
      const perUpBlock = expected.layersPerBlock + 1;
      expect(skips).toHaveLength(expected.blocks * perUpBlock);
      expect(skips.map((s) => s.label)).toEqual(skips.map((_, i) => `up_blocks.${Math.floor(i / perUpBlock)}.resnets.${i % perUpBlock}`));
      expect(skips.map((s) => s.skipIndex)).toEqual(skips.map((_, i) => skips.length - 1 - i));
      expect(skips.filter((s) => s.skipKind === 'conv_in')).toHaveLength(1);
      expect(skips.filter((s) => s.skipKind === 'downsampler')).toHaveLength(expected.blocks - 1);
      expect(skips.every((s) => s.cutSignature?.shape?.length === 4)).toBe(true);
      const manifest = JSON.parse(readFileSync(join(USER_MODELS_DIR, fixture, 'manifest.json'), 'utf8'));
      const branches = skips.filter((s) => s.branch !== null).map((s) => ({ branch: s.branch, tensor: s.cutTensor })).sort((a, b) => a.branch! - b.branch!);
      expect(branches).toEqual(manifest.unet.deepCache.cutPoints);
      expect(Math.abs(inspection.parameters - torchParameters(fixture)) / torchParameters(fixture)).toBeLessThan(0.1);
      expect(inspection.irVersion).toBe(10);
      expect(inspection.externalData).toEqual(['unet.onnx.data']);
    });

    it('prints inputs, outputs, parameters, opset, IR and the cut point table', async () => {
      let printed = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
      expect(await main(['inspect', file])).toBe(0);
      expect(printed).toMatch(/IR 10, opset ai\.onnx 20/);
      expect(printed).toContain(`${(await inspectModelFile(file)).parameters.toLocaleString('en-US')} parameters`);
      expect(printed).toMatch(/│ input\s+│ sample\s+│ float32 │/);
      expect(printed).toMatch(/│ output\s+│ out_sample\s+│/);
      expect(printed).toMatch(/│ up_blocks\.0\.resnets\.0 │ \S+\s+│ \[8, 32, \d+, \d+\]/);
      expect(printed).toMatch(/conv_in \(conv2d\)\s+│ 0\s+│ -/);
    });
  });
}
