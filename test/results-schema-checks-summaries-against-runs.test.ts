import { expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { parseRunResult } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

function linesOf(data: unknown): string[] {
  try {
    parseRunResult(data, 'r.json');
  } catch (error) {
    return (error as HarnessError).message.split('\n');
  }
  return [];
}

const exampleJson = (): any => JSON.parse(JSON.stringify(makeExampleRun()));

it('the example run passes the cross-field checks', () => {
  expect(linesOf(exampleJson())).toEqual([]);
});

it('a stage summary that disagrees with the raw runs is rejected at the sample', () => {
  const data = exampleJson();
  data.variants[0].runs[1].stagesMs.decode += 1;
  expect(linesOf(data)).toEqual([
    `r.json: variants[0].stages.decode.samplesMs[1]: is ${data.variants[0].stages.decode.samplesMs[1]} but runs[1].stagesMs.decode is ${data.variants[0].runs[1].stagesMs.decode}`,
  ]);
});

it('n must count the samples and the median must lie between min and max', () => {
  const data = exampleJson();
  data.variants[0].stages.encode.n = 4;
  data.variants[0].stages.encode.medianMs = data.variants[0].stages.encode.maxMs + 1;
  expect(linesOf(data)).toEqual([
    'r.json: variants[0].stages.encode.n: n is 4 but samplesMs has 5 values',
    'r.json: variants[0].stages.encode.medianMs: expected minMs <= medianMs <= maxMs',
  ]);
});

it('results must belong to the suite, once each, and finish after they start', () => {
  const data = exampleJson();
  data.variants[1].model = 'sdxl';
  data.variants.push(data.variants[0]);
  data.finishedAt = '2020-01-01T00:00:00.000Z';
  const lines = linesOf(data);
  expect(lines).toContain('r.json: finishedAt: is before startedAt');
  expect(lines).toContain('r.json: variants[1].model: "sdxl" is not in suite.models');
  expect(lines).toContain(`r.json: variants[${data.variants.length - 1}]: a second result for animatediff-tiny / baseline`);
});
