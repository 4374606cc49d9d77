import { HarnessError } from '../harness-error.ts';
import type { TimestepSpacing } from './types.ts';

/** Settings that place inference timesteps. */
export interface TimestepSettings {
  numTrainTimesteps: number;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
}

// numpy's round() rounds halves to even; linspace spacing produces exact halves (e.g. 499.5 for 3 steps).
export function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function checkInferenceSteps(numInferenceSteps: number, numTrainTimesteps: number): void {
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps) {
    throw new HarnessError(
      'bad-inference-steps',
      `numInferenceSteps must be an integer from 1 to ${numTrainTimesteps} (numTrainTimesteps), got ${numInferenceSteps}`,
    );
  }
}

/**
 * Inference timesteps in visiting order, as diffusers' DDIM/Euler `set_timesteps` compute them before their final
 * cast: integers for leading/trailing, and for linspace unrounded positions (Euler keeps them, DDIM rounds them).
 */
export function spacedTimesteps(settings: TimestepSettings, numInferenceSteps: number): number[] {
  const { numTrainTimesteps: total, timestepSpacing, stepsOffset } = settings;
  checkInferenceSteps(numInferenceSteps, total);
  const out: number[] = [];
  if (timestepSpacing === 'linspace') {
    const step = numInferenceSteps > 1 ? (total - 1) / (numInferenceSteps - 1) : 0;
    for (let i = 0; i < numInferenceSteps; i++) out.push(i === numInferenceSteps - 1 && i > 0 ? total - 1 : i * step);
  } else if (timestepSpacing === 'leading') {
    const ratio = Math.floor(total / numInferenceSteps);
    for (let i = 0; i < numInferenceSteps; i++) out.push(i * ratio + stepsOffset);
  } else {
    // numpy's arange(total, 0, -ratio) can yield one element too many for some step counts
    // (floating-point ceil); the first numInferenceSteps are the ones that count.
    // numpy fills arange as start + i·delta with delta re-derived from its first two elements.
    const ratio = total / numInferenceSteps;
    const delta = total - ratio - total;
    for (let i = numInferenceSteps - 1; i >= 0; i--) out.push(roundHalfToEven(total + i * delta) - 1);
  }
  const descending = out.reverse();
  const largest = descending[0];
  if (largest > total - 1) {
    throw new HarnessError(
      'bad-inference-steps',
      `stepsOffset ${stepsOffset} with ${numInferenceSteps} ${timestepSpacing} steps reaches timestep ${largest}, past the last training timestep ${total - 1}`,
    );
  }
  return descending;
}
