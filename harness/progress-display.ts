import type { VariantResult } from './results-schema.ts';
import type { ProgressSink } from './run-suite.ts';
import type { WorkerMessage } from './worker-protocol.ts';

/**
 * Live progress in the parent (the child's thread is blocked inside inference): one rewritten line on a TTY,
 * plain lines at stage and run boundaries otherwise (CI logs).
 */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr, interactive = stream.isTTY === true): ProgressSink {
  let header = '';
  let variantStart = 0;
  let status = '';
  let timer: NodeJS.Timeout | null = null;
  const draw = () => {
    const elapsed = ((performance.now() - variantStart) / 1000).toFixed(1);
    stream.write(`\r\x1b[2K${header}  ${status}  ${elapsed}s`);
  };
  const line = (text: string) => stream.write(`${text}\n`);
  return {
    variantStart(model, variant, index, count) {
      header = `[${index + 1}/${count}] ${model}/${variant}`;
      variantStart = performance.now();
      status = 'preparing models';
      if (interactive) {
        timer = setInterval(draw, 200);
        draw();
      } else {
        line(`${header}: starting`);
      }
    },
    message(_model, _variant, message: WorkerMessage) {
      if (message.type === 'models-ready') status = 'starting';
      if (message.type === 'event') {
        const e = message.event;
        const run = `${message.phase} ${message.run + 1}`;
        if (e.type === 'stage-start' && e.stage !== 'total') status = `${run}  ${e.stage}`;
        if (e.type === 'step') status = `${run}  denoise step ${e.step.index + 1}/${e.of} (${e.step.kind})`;
        if (!interactive && e.type === 'stage-end' && e.stage === 'total') line(`${header}: ${run} done in ${e.ms.toFixed(0)} ms`);
      }
    },
    variantEnd(result: VariantResult) {
      if (timer) clearInterval(timer);
      timer = null;
      const outcome = result.status === 'ok' ? `ok, total median ${result.stages.total.medianMs.toFixed(0)} ms` : `error (${result.error.code}): ${result.error.message}`;
      if (interactive) stream.write('\r\x1b[2K');
      line(`${header}: ${outcome}`);
    },
  };
}
