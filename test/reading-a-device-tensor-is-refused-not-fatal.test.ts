import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { createSession, floatTensor, readFloat, releaseTensor, tensorLocation } from '../pipelines/ort-backend.ts';
import { prepareSoftwareVulkan, webgpuSkipReason } from './fixtures/software-vulkan.ts';

const skip = webgpuSkipReason();

function doublingModel(): string {
  const builder = new GraphBuilder({ name: 'double', seed: 1 });
  const x = builder.input('x', [2, 3]);
  builder.output(builder.op('Add', [x, x], [2, 3]), 'y');
  const path = join(mkdtempSync(join(tmpdir(), 'lightbench-device-tensor-')), 'double.onnx');
  writeFileSync(path, builder.build().modelBytes);
  return path;
}

describe.skipIf(skip !== null)(`a WebGPU output kept on the device${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // onnxruntime-node 1.30 aborts the process on getData of a GPU buffer; were readFloat to call it, this test
  // file's process would die instead of seeing a rejection.
  it('is refused by readFloat with an error, and still feeds another run on the device', async () => {
    prepareSoftwareVulkan();
    const settings = { cpuMemArena: false, memPattern: false, graphOptimizationLevel: 'all', intraOpThreads: 1, interOpThreads: 1, fuseAttention: true } as const;
    const path = doublingModel();
    const onDevice = await createSession({ path, settings, executionProvider: 'webgpu', deviceOutputs: ['y'] });
    const toHost = await createSession({ path, settings, executionProvider: 'webgpu' });
    try {
      const first = (await onDevice.run({ x: floatTensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]) })).y!;
      expect(tensorLocation(first)).toBe('device');
      await expect(readFloat(first)).rejects.toMatchObject({ code: 'device-tensor-read' });
      const second = (await toHost.run({ x: first })).y!;
      expect(tensorLocation(second)).toBe('host');
      expect([...(await readFloat(second))]).toEqual([4, 8, 12, 16, 20, 24]);
      releaseTensor(first);
    } finally {
      await onDevice.release();
      await toHost.release();
      rmSync(dirname(path), { recursive: true, force: true });
    }
  });
});
