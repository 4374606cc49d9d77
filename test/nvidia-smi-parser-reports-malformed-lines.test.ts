import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGpuSampleLine, parseGpuSampleOutput } from '../harness/nvidia-smi-parser.ts';
import { nvidiaSmiFixture } from './fixtures/fake-nvidia-smi/install-fake-nvidia-smi.ts';

describe('lines that are not readings', () => {
  const text = readFileSync(nvidiaSmiFixture('query-gpu-h100-then-device-error.csv'), 'utf8');

  it('tags an error message and a cut-off line as malformed instead of throwing', () => {
    const parsed = parseGpuSampleOutput(text);
    expect(parsed.map((p) => p.status)).toEqual(['ok', 'malformed', 'malformed']);
    const [, error, cut] = parsed;
    expect(error).toMatchObject({ status: 'malformed', line: 'Unable to determine the device handle for GPU0000:07:00.0: Unknown Error' });
    expect(error?.status === 'malformed' && error.reason).toMatch(/expected 6 fields/);
    expect(cut?.status === 'malformed' && cut.reason).toMatch(/found 3/);
  });

  it('rejects a line whose UUID field is not a GPU UUID and an empty line', () => {
    expect(parseGpuSampleLine('2026/07/14 08:12:38.696, 0, 0, 81559, 0, 69.85')).toMatchObject({ status: 'malformed', reason: expect.stringMatching(/UUID/) });
    expect(parseGpuSampleLine('')).toMatchObject({ status: 'malformed', reason: 'empty line' });
    expect(parseGpuSampleLine('not a date, GPU-00000000-0000-0000-0000-000000000000, 0, 1, 0, 1')).toMatchObject({ status: 'malformed', reason: expect.stringMatching(/timestamp/) });
  });
});
