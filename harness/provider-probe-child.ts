// Child entry of the provider probe: starts one execution provider on a one-node model and runs it once. It
// lives in its own process because a provider that fails inside its native code (Dawn without a usable
// Vulkan driver, a CUDA driver mismatch) can abort or hang the process that tried it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { createSession, floatTensor, readFloat } from '../pipelines/ort-backend.ts';
import type { ExecutionProviderName } from '../pipelines/types.ts';

/** What the probe child reports to its parent over IPC. */
export type ProbeMessage = { status: 'ok'; ms: number } | { status: 'failed'; message: string };

async function probe(provider: ExecutionProviderName, workDir: string | undefined): Promise<ProbeMessage> {
  // A folder given by the parent is the parent's to remove: a probe that hangs is killed before its finally runs.
  const dir = workDir ?? (await mkdtemp(join(tmpdir(), 'lightbench-probe-')));
  const start = performance.now();
  try {
    const builder = new GraphBuilder({ name: 'probe', seed: 1 });
    const x = builder.input('x', [2, 3]);
    builder.output(builder.op('Add', [x, x], [2, 3]), 'y');
    const path = join(dir, 'probe.onnx');
    await writeFile(path, builder.build().modelBytes);
    const settings = { cpuMemArena: false, memPattern: false, graphOptimizationLevel: 'all', intraOpThreads: 1, interOpThreads: 1, fuseAttention: true } as const;
    const session = await createSession({ path, settings, executionProvider: provider });
    try {
      const out = await session.run({ x: floatTensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]) });
      const y = await readFloat(out.y!);
      if (y[5] !== 12) return { status: 'failed', message: `the probe model computed ${y[5]} instead of 12 on ${provider}` };
    } finally {
      await session.release();
    }
    return { status: 'ok', ms: performance.now() - start };
  } catch (error) {
    // The runtime's own words; the parent adds what the provider needs.
    const cause = (error as { cause?: unknown }).cause;
    return { status: 'failed', message: cause instanceof Error ? cause.message : ((error as Error).message ?? String(error)) };
  } finally {
    if (!workDir) await rm(dir, { recursive: true, force: true });
  }
}

const provider = process.argv[2] as ExecutionProviderName;
const result = await probe(provider, process.argv[3]);
process.send?.(result, () => process.disconnect?.());
