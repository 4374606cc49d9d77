import { HarnessError } from '../harness/harness-error.ts';
import type { ChangePoint, ChangePointOptions } from './types.ts';

/*
 * Step changes in a series of per-run medians, by optimal partitioning under an L1 (absolute deviation
 * from the segment median) cost with a penalty per change. The penalty is scaled by a robust estimate of
 * the run-to-run noise, so the same settings serve a noisy CPU timing series and a flat memory series.
 *
 * Why L1 and segments of at least two points: a single outlier can only be cut out together with a
 * neighbour, and the L1 cost of a two-point segment is their distance, so isolating one odd value saves
 * nothing and it never becomes a change. A genuine step is confirmed by the points after it; a step in
 * the last point alone waits for the next run.
 *
 * Cost: O(n² log n) time, O(n) memory, for n points.
 */

const DEFAULTS = { penalty: 3, minSegmentLength: 2, minRelativeShift: 0.05, minAbsoluteShift: 0 };

/** Finds the level shifts of `values` (oldest first); each is reported at the first point of the new level. */
export function detectChangePoints(values: readonly number[], options: ChangePointOptions = {}): ChangePoint[] {
  const { penalty, minSegmentLength, minRelativeShift, minAbsoluteShift } = { ...DEFAULTS, ...options };
  if (!Number.isInteger(minSegmentLength) || minSegmentLength < 1) {
    throw new HarnessError('bad-change-point-options', `minSegmentLength must be a positive integer, got ${minSegmentLength}`);
  }
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new HarnessError('bad-series', `value ${bad} of the series is ${values[bad]}`);
  const n = values.length;
  if (n < 2 * minSegmentLength) return [];
  const beta = penalty * robustNoiseScale(values) * Math.log(n);
  const starts = optimalPartition(values, beta, minSegmentLength);
  return keepLargeShifts(values, starts, minRelativeShift, minAbsoluteShift);
}

/**
 * Standard deviation of the run-to-run noise, from the median absolute deviation of first differences
 * (a step adds one large difference, which the median ignores). Floored at 0.1% of the series' typical
 * magnitude, so a perfectly flat series (memory peaks often are) still has a positive penalty.
 */
export function robustNoiseScale(values: readonly number[]): number {
  const diffs = values.slice(1).map((v, i) => v - values[i]!);
  let sigma = 0;
  if (diffs.length > 0) {
    const centre = median(diffs);
    sigma = (1.4826 * median(diffs.map((d) => Math.abs(d - centre)))) / Math.SQRT2;
  }
  const level = values.length > 0 ? median(values.map(Math.abs)) : 0;
  return Math.max(sigma, 1e-3 * level, Number.MIN_VALUE);
}

/** Start indices of the segments after the first, minimising Σ cost + beta per change. */
function optimalPartition(values: readonly number[], beta: number, minSegment: number): number[] {
  const n = values.length;
  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const previous = new Int32Array(n + 1).fill(-1);
  best[0] = -beta;
  const window = new RankedWindow(values);
  for (let t = minSegment; t <= n; t++) {
    window.clear();
    for (let s = t - 1; s >= 0; s--) {
      window.add(s);
      if (t - s < minSegment || !Number.isFinite(best[s]!)) continue;
      const candidate = best[s]! + window.cost() + beta;
      if (candidate < best[t]!) {
        best[t] = candidate;
        previous[t] = s;
      }
    }
  }
  const starts: number[] = [];
  for (let t = n; t > 0; t = previous[t]!) {
    if (previous[t]! > 0) starts.push(previous[t]!);
  }
  return starts.reverse();
}

/** Drops the weakest change below the minimum shift, merging its segments, until every change is large enough. */
function keepLargeShifts(values: readonly number[], starts: number[], minRelative: number, minAbsolute: number): ChangePoint[] {
  const kept = [...starts];
  for (;;) {
    const points = describe(values, kept);
    let weakest = -1;
    let weakestRatio = 1;
    points.forEach((p, i) => {
      const needed = Math.max(minAbsolute, minRelative * Math.abs(p.before));
      const ratio = needed === 0 ? Number.POSITIVE_INFINITY : Math.abs(p.after - p.before) / needed;
      if (ratio < weakestRatio) {
        weakestRatio = ratio;
        weakest = i;
      }
    });
    if (weakest < 0) return points;
    kept.splice(weakest, 1);
  }
}

function describe(values: readonly number[], starts: readonly number[]): ChangePoint[] {
  const bounds = [0, ...starts, values.length];
  const medians = bounds.slice(0, -1).map((from, i) => median(values.slice(from, bounds[i + 1])));
  return starts.map((index, i) => {
    const before = medians[i]!;
    const after = medians[i + 1]!;
    return { index, before, after, relativeShift: before === 0 ? null : (after - before) / Math.abs(before) };
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Σ|x - median| of a growing set of the series' values, from Fenwick trees of counts and sums over the
 * values' ranks (ties broken by position, so every rank holds one value): adding a value, finding the
 * median and the sum below it are O(log n) each, with no per-window allocation.
 */
class RankedWindow {
  private readonly rankOf: Int32Array;
  private readonly valueAt: Float64Array;
  private readonly counts: Int32Array;
  private readonly sums: Float64Array;
  private readonly top: number;
  private size = 0;
  private total = 0;

  constructor(values: readonly number[]) {
    const n = values.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
    this.rankOf = new Int32Array(n);
    this.valueAt = new Float64Array(n + 1);
    order.forEach((index, r) => {
      this.rankOf[index] = r + 1;
      this.valueAt[r + 1] = values[index]!;
    });
    this.counts = new Int32Array(n + 1);
    this.sums = new Float64Array(n + 1);
    this.top = 2 ** Math.floor(Math.log2(Math.max(n, 1)));
  }

  clear(): void {
    this.counts.fill(0);
    this.sums.fill(0);
    this.size = 0;
    this.total = 0;
  }

  /** Adds the series value at `index`. */
  add(index: number): void {
    const rank = this.rankOf[index]!;
    const value = this.valueAt[rank]!;
    for (let i = rank; i < this.counts.length; i += i & -i) {
      this.counts[i]! += 1;
      this.sums[i]! += value;
    }
    this.size++;
    this.total += value;
  }

  cost(): number {
    // The k-th smallest value (lower median) and the sum of the k smallest, by descending the tree.
    const k = (this.size + 1) >> 1;
    let position = 0;
    let below = 0;
    let belowSum = 0;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = position + step;
      if (next < this.counts.length && below + this.counts[next]! < k) {
        position = next;
        below += this.counts[next]!;
        belowSum += this.sums[next]!;
      }
    }
    const median = this.valueAt[position + 1]!;
    const lowerSum = belowSum + median;
    return median * k - lowerSum + (this.total - lowerSum) - median * (this.size - k);
  }
}
