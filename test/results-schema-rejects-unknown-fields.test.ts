import { expect, it } from 'vitest';
import type { HarnessError } from '../harness/harness-error.ts';
import { parseRunResult } from '../harness/results-file.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

it('a misspelt field is an error at its own path, at any depth', () => {
  const data = JSON.parse(JSON.stringify(makeExampleRun()));
  data.variants[1].stages.denoise.medainMs = 12;
  data.context.machine.gpuCount = 0;
  data.extra = true;
  let message = '';
  try {
    parseRunResult(data, 'results/typo.json');
  } catch (error) {
    message = (error as HarnessError).message;
  }
  expect(message.split('\n').sort()).toEqual([
    'results/typo.json: context.machine.gpuCount: unknown field',
    'results/typo.json: extra: unknown field',
    'results/typo.json: variants[1].stages.denoise.medainMs: unknown field',
  ]);
});
