import { describe, expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { createSeededRandom, gaussianNoise } from '../pipelines/seeded-random.ts';

function take(count: number, draw: () => number): number[] {
  return Array.from({ length: count }, draw);
}

describe('seeded random', () => {
  it('repeats its stream for the same seed', () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    expect(take(1000, a.nextUint32)).toEqual(take(1000, b.nextUint32));
    expect(take(1000, a.nextGaussian)).toEqual(take(1000, b.nextGaussian));
    expect(Array.from(gaussianNoise(42, 4096))).toEqual(Array.from(gaussianNoise(42, 4096)));
  });

  it('gives unrelated streams for neighbouring seeds and for seeds 2^32 apart', () => {
    const streams = [0, 1, 2, 2 ** 32, 2 ** 32 + 1, -1].map((seed) => take(64, createSeededRandom(seed).nextUint32));
    for (let i = 0; i < streams.length; i++) {
      for (let j = i + 1; j < streams.length; j++) {
        const equalPositions = streams[i].filter((v, k) => v === streams[j][k]).length;
        expect(equalPositions).toBe(0);
      }
    }
  });

  it('gaussianNoise is the float32 of the nextGaussian stream, a prefix of any longer draw', () => {
    const random = createSeededRandom(9);
    const expected = take(1000, random.nextGaussian).map(Math.fround);
    expect(Array.from(gaussianNoise(9, 1000))).toEqual(expected);
    expect(Array.from(gaussianNoise(9, 5000).subarray(0, 1000))).toEqual(expected);
  });

  it('keeps uniform draws inside their ranges', () => {
    const random = createSeededRandom(5);
    for (let i = 0; i < 100_000; i++) {
      const u = random.nextUint32();
      const f = random.nextFloat();
      if (!(Number.isInteger(u) && u >= 0 && u < 2 ** 32 && f >= 0 && f < 1)) {
        expect.fail(`draw ${i} out of range: ${u}, ${f}`);
      }
    }
  });

  it('rejects seeds and lengths that are not safe integers', () => {
    expect(() => createSeededRandom(1.5)).toThrow(HarnessError);
    expect(() => createSeededRandom(2 ** 53)).toThrow(/safe integer/);
    expect(() => gaussianNoise(1, -1)).toThrow(/got -1/);
  });
});
