import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder } from '../pipelines/onnx/graph-builder.ts';
import { matmul } from '../pipelines/onnx/ops.ts';
import { createSession, floatTensor } from '../pipelines/ort-backend.ts';
import type { ExecutionProviderName, SessionSettings } from '../pipelines/types.ts';
import { trackChild, trackTempPath, untrackTempPath } from './process-registry.ts';

/** The machine's measured matrix-product rate with this runtime and these settings. */
export interface MatmulCalibration {
  matmulGflops: number;
  method: string;
}

/**
 * A short calibration: a chain of square float32 MatMuls through the same runtime, provider and thread settings
 * as the variants, best of several runs. Stage rates divided by this show how far each stage is from what the
 * runtime can reach on this machine.
 */
export async function calibrateMatmul(provider: ExecutionProviderName, session: SessionSettings, workDir?: string, size = 1024, chain = 4, runs = 5): Promise<MatmulCalibration> {
  const b = new GraphBuilder({ name: 'matmul-calibration', seed: 1 });
  let x = b.input('x', [size, size]);
  for (let i = 0; i < chain; i++) x = matmul(b, x, b.weight(`w${i}`, [size, size], { kind: 'normal', std: 1 / Math.sqrt(size) }));
  b.output(x, 'y');
  // A folder given by the parent is the parent's to remove (it outlives a child killed at its deadline).
  const dir = workDir ?? (await mkdtemp(join(tmpdir(), 'lightbench-calibration-')));
  try {
    const path = join(dir, 'matmul.onnx');
    await writeFile(path, b.build().modelBytes);
    const model = await createSession({ path, settings: session, executionProvider: provider });
    const input = floatTensor(new Float32Array(size * size).fill(0.01), [size, size]);
    let bestMs = Infinity;
    try {
      for (let i = 0; i < runs + 1; i++) {
        const start = performance.now();
        await model.run({ x: input });
        // The first run allocates and packs; it is a warm-up.
        if (i > 0) bestMs = Math.min(bestMs, performance.now() - start);
      }
    } finally {
      await model.release();
    }
    const flops = 2 * size * size * size * chain;
    return { matmulGflops: flops / (bestMs / 1000) / 1e9, method: `best of ${runs} runs of ${chain} chained ${size}×${size} float32 MatMuls, ${provider} provider, intra-op threads ${session.intraOpThreads || 'default'}` };
  } finally {
    if (!workDir) await rm(dir, { recursive: true, force: true });
  }
}

/** The calibration in a short-lived child process, killed at its deadline; null if it fails. */
export async function calibrateMatmulInChild(provider: ExecutionProviderName, session: SessionSettings, env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<MatmulCalibration | null> {
  const workDir = trackTempPath(await mkdtemp(join(tmpdir(), 'lightbench-calibration-')));
  const child = fork(fileURLToPath(new URL('./matmul-calibration-child.ts', import.meta.url)), [], { execArgv: ['--import', import.meta.resolve('tsx')], env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  trackChild(child);
  const answer = await new Promise<MatmulCalibration | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let result: MatmulCalibration | null = null;
    child.on('message', (message: { status: string; result?: MatmulCalibration }) => {
      if (message.status === 'ok' && message.result) result = message.result;
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(result);
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.send({ provider, session, workDir });
  });
  await rm(workDir, { recursive: true, force: true });
  untrackTempPath(workDir);
  return answer;
}
