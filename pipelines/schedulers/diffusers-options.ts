import { HarnessError } from '../harness-error.ts';

/**
 * Reads one diffusers scheduler config the way the scheduler class's constructor does: every option the class
 * accepts, each with diffusers' default when absent, type-checked and named by its diffusers key in errors. Keys
 * the class does not accept are ignored, as `from_config` ignores them; `ignored()` lists them.
 */
export class DiffusersOptions {
  private readonly read = new Set<string>();

  constructor(
    readonly className: string,
    private readonly config: Record<string, unknown>,
  ) {}

  private value(key: string): unknown {
    this.read.add(key);
    return this.config[key];
  }

  private fail(key: string, message: string): never {
    throw new HarnessError('bad-scheduler', `diffusers ${this.className} config: ${key} ${message}`);
  }

  number(key: string, fallback: number): number {
    const value = this.value(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, `must be a number, got ${JSON.stringify(value)}`);
    return value;
  }

  integer(key: string, fallback: number): number {
    const value = this.number(key, fallback);
    if (!Number.isInteger(value) || value < 0) this.fail(key, `must be a whole number ≥ 0, got ${value}`);
    return value;
  }

  /** A number, or null where diffusers' default is None. */
  optionalNumber(key: string): number | null {
    const value = this.value(key);
    return value === undefined || value === null ? null : this.number(key, 0);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.value(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(key, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  /** One of `accepted` (what lightbench implements); a value diffusers knows but lightbench does not is refused. */
  choice<T extends string>(key: string, fallback: T, accepted: readonly T[]): T {
    const value = this.value(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || !(accepted as readonly string[]).includes(value)) {
      this.fail(key, `${JSON.stringify(value)} is not supported; accepted: ${accepted.join(', ')}`);
    }
    return value as T;
  }

  /** An option lightbench does not implement: accepted only at the value that leaves diffusers' behaviour unchanged. */
  refuseUnless(key: string, neutral: unknown, why: string): void {
    const value = this.value(key);
    if (value === undefined || value === null || value === neutral) return;
    this.fail(key, `${JSON.stringify(value)} is not supported (${why}); accepted: ${JSON.stringify(neutral)} or absent`);
  }

  /** An option read for completeness that has no effect given the others (diffusers reads it only in a mode lightbench refuses). */
  unused(key: string): void {
    this.value(key);
  }

  /** Keys of the config the class does not accept (diffusers' `_`-prefixed metadata aside). */
  ignored(): string[] {
    return Object.keys(this.config).filter((key) => !key.startsWith('_') && !this.read.has(key));
  }
}
