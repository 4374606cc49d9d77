import { HarnessError } from '../harness-error.ts';
import { translateDdim, translateEulerDiscrete } from './diffusers-ddim-euler.ts';
import { DiffusersOptions } from './diffusers-options.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import type { SchedulerConfig } from './types.ts';

/** Turns the options of one diffusers scheduler class into lightbench's scheduler config, or refuses naming the option. */
export type DiffusersTranslator = (options: DiffusersOptions) => SchedulerConfig;

/**
 * The diffusers scheduler classes whose `scheduler_config.json` lightbench translates, by `_class_name`. A sampler
 * family added to lightbench (flow matching, UniPC, ...) joins by adding its class and translator here.
 */
export const DIFFUSERS_TRANSLATORS: Readonly<Record<string, DiffusersTranslator>> = {
  DDIMScheduler: translateDdim,
  EulerDiscreteScheduler: translateEulerDiscrete,
};

/** A translated diffusers scheduler config: lightbench's config, and the keys diffusers would ignore too. */
export interface DiffusersSchedulerTranslation {
  className: string;
  config: SchedulerConfig;
  ignoredKeys: string[];
}

/** Whether `input` is a diffusers scheduler config (it names its class) rather than lightbench's own. */
export function isDiffusersSchedulerConfig(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && '_class_name' in input;
}

// Keys only a diffusers scheduler config has: a config pasted without its `_class_name` is recognised by them.
const DIFFUSERS_KEYS = ['num_train_timesteps', 'beta_start', 'beta_end', 'beta_schedule', 'timestep_spacing', 'steps_offset', 'prediction_type', 'clip_sample', 'set_alpha_to_one', 'use_karras_sigmas', 'rescale_betas_zero_snr', 'trained_betas'];

/** The diffusers keys of a config that should have been lightbench's, for a hint instead of a wall of schema errors. */
export function diffusersKeysIn(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  return Object.keys(input).filter((key) => DIFFUSERS_KEYS.includes(key));
}

/**
 * Translates a diffusers `scheduler_config.json` (its parsed object) into lightbench's scheduler config, so the
 * benchmark samples as the checkpoint's own pipeline does. Options lightbench does not implement are refused by name.
 */
export function translateDiffusersSchedulerConfig(input: Record<string, unknown>): DiffusersSchedulerTranslation {
  const className = input._class_name;
  const translate = typeof className === 'string' ? DIFFUSERS_TRANSLATORS[className] : undefined;
  if (!translate) {
    throw new HarnessError('bad-scheduler', `diffusers scheduler ${JSON.stringify(className)} is not supported; accepted _class_name: ${Object.keys(DIFFUSERS_TRANSLATORS).join(', ')} (a checkpoint's config of another class loads into one of these as diffusers' from_config does: set _class_name)`);
  }
  const options = new DiffusersOptions(className as string, input);
  const translated = translate(options);
  let config: SchedulerConfig;
  try {
    config = parseSchedulerConfig(translated);
  } catch (error) {
    throw new HarnessError('bad-scheduler', `diffusers ${String(className)} config translates to an ${(error as Error).message}`);
  }
  return { className: className as string, config, ignoredKeys: options.ignored() };
}
