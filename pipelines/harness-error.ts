/** The one error type of lightbench: a stable `code` for programs, a message that names the bad value for people. */
export class HarnessError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}
