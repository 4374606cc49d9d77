import { HarnessError } from '../harness-error.ts';

export function checkStepIndex(stepIndex: number, numInferenceSteps: number): void {
  if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex >= numInferenceSteps) {
    throw new HarnessError(
      'bad-step-index',
      `step index must be an integer from 0 to ${numInferenceSteps - 1}, got ${stepIndex}`,
    );
  }
}

export function checkSameLength(modelOutput: Float32Array, sample: Float32Array): void {
  if (modelOutput.length !== sample.length) {
    throw new HarnessError(
      'bad-step-input',
      `model output has ${modelOutput.length} values but the sample has ${sample.length}`,
    );
  }
}
