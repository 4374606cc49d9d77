import { HarnessError } from './harness-error.ts';

/** How DeepCache picks its full steps. */
export interface CacheScheduleOptions {
  interval: number;
  schedule: 'uniform' | 'non-uniform';
  /** Non-uniform only: the step around which full steps are densest. */
  center: number;
  /** Non-uniform only: starting exponent of the spacing; lowered in 0.02 steps until the count fits, as DeepCache does. */
  power: number;
}

interface Complex {
  re: number;
  im: number;
}

function complexPow(z: Complex, exponent: number): Complex {
  if (z.re === 0 && z.im === 0) return { re: 0, im: 0 };
  const modulus = Math.pow(Math.hypot(z.re, z.im), exponent);
  const angle = Math.atan2(z.im, z.re) * exponent;
  return { re: modulus * Math.cos(angle), im: modulus * Math.sin(angle) };
}

/**
 * DeepCache's "quadratic around a centre" sampler. (-center)^(1/p) is a complex number in its Python original
 * (a negative float to a fractional power), the linspace runs between complex end points and only the real part
 * of x^p survives the integer cast; this reproduces that arithmetic so the chosen steps match.
 */
export function quadCenterSteps(totalSteps: number, fullCount: number, center: number, power: number): { steps: number[]; power: number } {
  let p = power;
  while (p > 1) {
    const start = complexPow({ re: -center, im: 0 }, 1 / p);
    const end = complexPow({ re: totalSteps - center, im: 0 }, 1 / p);
    const values = new Set<number>();
    for (let k = 0; k <= fullCount; k++) {
      const t = fullCount === 0 ? 0 : k / fullCount;
      const x = { re: start.re + (end.re - start.re) * t, im: start.im + (end.im - start.im) * t };
      values.add(Math.trunc(complexPow(x, p).re) | 0);
    }
    const sorted = [...values].sort((a, b) => a - b);
    const steps = [0, ...sorted.slice(1, -1).map((v) => v + center)];
    if (steps.length === fullCount) return { steps, power: p };
    p -= 0.02;
  }
  throw new HarnessError(
    'bad-cache-schedule',
    `no non-uniform schedule of ${fullCount} full steps in ${totalSteps} steps around center ${center} from power ${power}; lower the center or the interval`,
  );
}

/** Indices of the steps that run the full UNet (the others reuse the cached feature). Step 0 is always full. */
export function fullStepIndices(totalSteps: number, options: CacheScheduleOptions): number[] {
  if (!Number.isInteger(options.interval) || options.interval < 1) {
    throw new HarnessError('bad-cache-interval', `cacheInterval must be an integer ≥ 1, got ${options.interval}`);
  }
  if (options.schedule === 'uniform' || options.interval === 1) {
    const steps: number[] = [];
    for (let i = 0; i < totalSteps; i += options.interval) steps.push(i);
    return steps;
  }
  if (!(options.center >= 0 && options.center < totalSteps)) {
    throw new HarnessError('bad-cache-schedule', `center must be a step in 0..${totalSteps - 1}, got ${options.center}`);
  }
  const fullCount = Math.ceil(totalSteps / options.interval);
  return quadCenterSteps(totalSteps, fullCount, options.center, options.power).steps;
}
