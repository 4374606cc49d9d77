// Defined beside the pipelines because they raise it too, and pipelines/ must not import harness/.
export { HarnessError } from '../pipelines/harness-error.ts';
