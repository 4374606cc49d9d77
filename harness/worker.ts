// Entry point of the child process that runs one (model, variant): inference blocks this process's only
// thread, so everything that must keep ticking (samplers, progress) lives in the parent.
import { writeFile } from 'node:fs/promises';
import { prepareAnyModels, runAnyPipeline } from '../pipelines/pipeline-dispatch.ts';
import { calibrateMagCache, needsMagCacheCalibration } from '../pipelines/mag-cache-calibration.ts';
import type { StageName } from '../pipelines/types.ts';
import { readOwnMemory, resetPeakRss } from './host-memory-sampler.ts';
import type { RunPhase, WorkerJob, WorkerMessage } from './worker-protocol.ts';
import { epochNow } from './worker-protocol.ts';

/**
 * Fault injection for the harness's own tests: LIGHTBENCH_WORKER_FAULT="allocate:<variant>:<MiB>" makes that
 * variant hold that much extra touched memory through each denoise stage (a workload of known size, or, with
 * a memory limit, a variant that needs far too much).
 */
function injectedAllocationMiB(variant: string): number {
  const match = /^allocate:([^:]+):(\d+)$/.exec(process.env.LIGHTBENCH_WORKER_FAULT ?? '');
  return match && match[1] === variant ? Number(match[2]) : 0;
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));
}

async function runJob(job: WorkerJob): Promise<void> {
  const buildStart = performance.now();
  const files = await prepareAnyModels(job.request);
  // mag-cache without ratios from the manifest calibrates them on an uncached pass, part of preparation.
  const calibration = needsMagCacheCalibration(job.request) ? await calibrateMagCache(job.request, files) : null;
  if (calibration) job = { ...job, request: calibration.request };
  await send({ type: 'models-ready', buildMs: performance.now() - buildStart, attention: files.files.attention, ...(calibration ? { magRatios: calibration.ratios } : {}) });

  const faultMiB = injectedAllocationMiB(job.request.variant.name);
  let ballast: Buffer | null = null;
  const pending: Promise<void>[] = [];
  const queue = (message: WorkerMessage) => pending.push(send(message));
  const runOnce = async (phase: RunPhase, run: number, profilePrefix?: string) => {
    const starts = new Map<StageName, number>();
    let resetWorked = true;
    const request = profilePrefix ? { ...job.request, profilePrefix } : job.request;
    const output = await runAnyPipeline(request, files, (event) => {
      // Memory is read synchronously at the event so the peak window is exactly the stage.
      if (event.type === 'stage-start' && event.stage !== 'total') {
        resetWorked = resetPeakRss().status === 'reset';
        const own = readOwnMemory();
        starts.set(event.stage, own.status === 'ok' ? own.rssBytes : 0);
      }
      queue({ type: 'event', phase, run, tEpochMs: epochNow(), event });
      if (faultMiB && event.type === 'stage-start' && event.stage === 'denoise') ballast = Buffer.alloc(faultMiB * 2 ** 20, 1);
      if (event.type === 'stage-end' && event.stage !== 'total') {
        const own = readOwnMemory();
        if (own.status === 'ok') {
          queue({
            type: 'stage-memory',
            phase,
            run,
            stage: event.stage,
            startRssBytes: starts.get(event.stage) ?? 0,
            peakRssBytes: own.hwmBytes,
            peakSource: resetWorked ? 'vmhwm' : 'sampled',
          });
        }
        if (event.stage === 'denoise') ballast = null;
      }
    });
    queue({ type: 'run-done', phase, run, stagesMs: output.stagesMs, steps: output.steps, swaps: output.swaps, cache: output.cache, flops: output.flops });
    return output;
  };

  for (let i = 0; i < job.warmup; i++) await runOnce('warmup', i);
  let last = null;
  for (let i = 0; i < job.repeats; i++) last = await runOnce('measured', i);
  if (last) {
    await writeFile(job.framesPath, new Uint8Array(last.frames.buffer, last.frames.byteOffset, last.frames.byteLength));
    queue({ type: 'frames', path: job.framesPath, shape: last.frameShape });
  }
  if (job.profileDir) {
    const output = await runOnce('profile', 0, `${job.profileDir}/trace`);
    queue({ type: 'profile-files', files: output.profileFiles });
  }
  await Promise.all(pending);
}

// Orphaned (the harness was killed outright): nobody reads what this process measures, so it stops.
process.once('disconnect', () => process.exit(1));

process.once('message', (job: WorkerJob) => {
  runJob(job)
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'worker-failed';
      await send({ type: 'error', code, message: (error as Error).message ?? String(error) }).catch(() => {});
      process.exit(1);
    });
});
