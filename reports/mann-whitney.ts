import { HarnessError } from '../harness/harness-error.ts';
import type { MannWhitneyMethod, MannWhitneyResult } from './types.ts';

/*
 * Two-sided Mann-Whitney U test with the conventions of scipy.stats.mannwhitneyu (method='auto',
 * use_continuity=True): the exact null distribution when one side has at most 8 values and no value
 * repeats, otherwise the normal approximation with tie correction and a continuity correction of 1/2.
 */

const EXACT_MAX_SMALLER_SIDE = 8;

/** Runs the test on `x` (e.g. BASE samples) against `y` (HEAD samples); `u1` is the U of `x`, as scipy reports it. */
export function mannWhitneyU(x: readonly number[], y: readonly number[], method: MannWhitneyMethod | 'auto' = 'auto'): MannWhitneyResult {
  checkSamples(x, 'x');
  checkSamples(y, 'y');
  const n1 = x.length;
  const n2 = y.length;
  const { ranks, tieSizes } = averageRanks([...x, ...y]);
  let rankSum = 0;
  for (let i = 0; i < n1; i++) rankSum += ranks[i]!;
  const u1 = rankSum - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  const ties = tieSizes.some((t) => t > 1);
  const chosen: MannWhitneyMethod = method !== 'auto' ? method : ties || (n1 > EXACT_MAX_SMALLER_SIDE && n2 > EXACT_MAX_SMALLER_SIDE) ? 'asymptotic' : 'exact';
  if (chosen === 'exact' && ties) {
    throw new HarnessError('mann-whitney-ties', 'the exact Mann-Whitney distribution assumes no ties; use the asymptotic method for tied samples');
  }
  const oneSided = chosen === 'exact' ? exactUpperTail(n1, n2, u) : asymptoticUpperTail(n1, n2, u, tieSizes);
  return { u1, pValue: Math.min(1, Math.max(0, 2 * oneSided)), method: chosen, n1, n2, ties };
}

/**
 * The smallest two-sided p-value the test can give for these sample sizes (completely separated samples
 * without ties). Above alpha, no data could make the test significant, so another criterion must decide.
 */
export function minAttainablePValue(n1: number, n2: number): number {
  const x = Array.from({ length: n1 }, (_, i) => i);
  const y = Array.from({ length: n2 }, (_, i) => n1 + i);
  return mannWhitneyU(x, y).pValue;
}

function checkSamples(values: readonly number[], which: string): void {
  if (values.length === 0) throw new HarnessError('mann-whitney-empty', `sample ${which} is empty`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new HarnessError('mann-whitney-not-finite', `sample ${which}[${bad}] is ${values[bad]}`);
}

function averageRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end]![0] === order[start]![0]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]![1]] = rank;
    tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

const frequencyCache = new Map<string, Float64Array>();

/**
 * How many arrangements of m + n distinct values give each U, by f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u):
 * additions only, so the counts are exact while they stay below 2^53.
 */
function uFrequencies(m: number, n: number): Float64Array {
  const small = Math.min(m, n);
  const large = Math.max(m, n);
  const key = `${small},${large}`;
  const cached = frequencyCache.get(key);
  if (cached) return cached;
  // rows[i] holds f(i, j, ·) for the current j.
  const rows: Float64Array[] = Array.from({ length: small + 1 }, () => Float64Array.of(1));
  for (let j = 1; j <= large; j++) {
    for (let i = 1; i <= small; i++) {
      const next = new Float64Array(i * j + 1);
      const withoutLast = rows[i]!;
      next.set(withoutLast);
      const smallerSide = rows[i - 1]!;
      for (let u = 0; u < smallerSide.length; u++) next[u + j]! += smallerSide[u]!;
      rows[i] = next;
    }
  }
  const frequencies = rows[small]!;
  frequencyCache.set(key, frequencies);
  return frequencies;
}

/** P(U ≥ u) under the null hypothesis, for u at or above the centre of the distribution. */
function exactUpperTail(n1: number, n2: number, u: number): number {
  const frequencies = uFrequencies(n1, n2);
  let total = 0;
  let tail = 0;
  for (let k = 0; k < frequencies.length; k++) {
    total += frequencies[k]!;
    if (k >= u) tail += frequencies[k]!;
  }
  return tail / total;
}

function asymptoticUpperTail(n1: number, n2: number, u: number, tieSizes: readonly number[]): number {
  const n = n1 + n2;
  const tieTerm = tieSizes.reduce((sum, t) => sum + t ** 3 - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  // Every value tied: U cannot vary, so nothing is evidence against the null hypothesis.
  if (!(variance > 0)) return 1;
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return normalUpperTail(z);
}

/** P(Z > z) for a standard normal Z, accurate to about 1e-15 relative also far in the tail. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (2n+1)!!: every term is positive, so nothing cancels.
    let term = x;
    let sum = x;
    for (let k = 1; term > sum * 1e-17; k++) {
      term *= (2 * x * x) / (2 * k + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // Continued fraction erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}
