/** How far `actual` frames are from the `expected` ones: largest absolute difference, largest expected magnitude, and their ratio. */
export function frameError(actual: Float32Array, expected: Float32Array): { maxAbsError: number; referenceMaxAbs: number; relativeError: number } {
  let maxAbsError = 0;
  let referenceMaxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbsError = Math.max(maxAbsError, Math.abs(actual[i]! - expected[i]!));
    referenceMaxAbs = Math.max(referenceMaxAbs, Math.abs(expected[i]!));
  }
  return { maxAbsError, referenceMaxAbs, relativeError: maxAbsError / referenceMaxAbs };
}
