import { parseArgs } from 'node:util';
import { HarnessError } from './harness-error.ts';

/** One command-line option: its type, a one-line help text and, for closed sets, the accepted values. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  short?: string;
  multiple?: boolean;
  choices?: readonly string[];
  default?: string | boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parsed options keyed by flag name (strings stay strings; commands convert and check them). */
export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

/**
 * Strict parsing: an unknown flag, a missing value or a value outside `choices` is a HarnessError ('bad-arguments',
 * exit 2 in the CLI) whose message names the flag and lists what is accepted.
 */
export function parseCommandArguments(command: string, argv: readonly string[], specs: OptionSpecs, allowPositionals = false): { options: ParsedOptions; positionals: string[] } {
  const accepted = Object.keys(specs).map((name) => `--${name}`).join(', ');
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new HarnessError('bad-arguments', `lightbench ${command}: ${message}; accepted options: ${accepted}`);
  }
  if (!allowPositionals && parsed.positionals.length > 0) {
    throw new HarnessError('bad-arguments', `lightbench ${command}: unexpected argument "${parsed.positionals[0]}"; accepted options: ${accepted}`);
  }
  const options: ParsedOptions = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = (parsed.values as ParsedOptions)[name] ?? spec.default;
    if (typeof value === 'string' && spec.choices && !spec.choices.includes(value)) {
      throw new HarnessError('bad-arguments', `lightbench ${command}: --${name} "${value}" is not accepted; accepted: ${spec.choices.join(', ')}`);
    }
    options[name] = value;
  }
  return { options, positionals: parsed.positionals };
}

/** An integer option within bounds, or a HarnessError naming the flag, the value and the accepted range. */
export function integerOption(command: string, name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw new HarnessError('bad-arguments', `lightbench ${command}: --${name} "${value}" is not accepted; expected ${range}`);
  }
  return n;
}

/** A finite number option within bounds. */
export function numberOption(command: string, name: string, value: string | undefined, min: number, max = Number.POSITIVE_INFINITY): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new HarnessError('bad-arguments', `lightbench ${command}: --${name} "${value}" is not accepted; expected a number from ${min}${Number.isFinite(max) ? ` to ${max}` : ''}`);
  }
  return n;
}

/** Help text of a command's options, one per line. */
export function formatOptionsHelp(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const flag = `--${name}${spec.type === 'string' ? ' <value>' : ''}`;
      const choices = spec.choices ? ` (${spec.choices.join('|')})` : '';
      return `  ${flag.padEnd(28)} ${spec.help}${choices}`;
    })
    .join('\n');
}
