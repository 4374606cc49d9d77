import { calibratedRatios } from './mag-cache-ratio.ts';
import type { AnyPipelineRequest, StepDecision } from './types.ts';
import type { PreparedModels } from './pipeline-dispatch.ts';
import { isUserRequest, runAnyPipeline } from './pipeline-dispatch.ts';

/** Whether a request runs mag-cache without ratios, so a calibration pass must measure them first. */
export function needsMagCacheCalibration(request: AnyPipelineRequest): boolean {
  const mag = request.variant.runtimeCache?.magCache;
  return !!mag && mag.ratios === null;
}

/**
 * MagCache's ratios measured as diffusers' calibrate mode measures them: one pass of the same model and inputs in
 * which every step computes the block stack and each call records the mean, over tokens, of its residual's norm over
 * the previous step's. The ratios of the prompt's call (of the one batched call, where the pipeline batches) are
 * taken, as one list serves every call. Returns the request with those ratios in place, and the ratios.
 */
export async function calibrateMagCache(request: AnyPipelineRequest, prepared: PreparedModels): Promise<{ request: AnyPipelineRequest; ratios: number[] }> {
  const runtime = request.variant.runtimeCache;
  if (!runtime?.magCache || !isUserRequest(request)) throw new Error('a mag-cache calibration needs a mag-cache variant on a diffusion transformer');
  const calibrating = { ...request, variant: { ...request.variant, runtimeCache: { ...runtime, magCache: { ...runtime.magCache, calibrate: true } } } };
  const output = await runAnyPipeline(calibrating, prepared);
  const decisions = output.steps.map((s) => s.decision).filter((d): d is StepDecision => !!d);
  if (decisions.length !== request.steps) throw new Error(`mag-cache calibration recorded ${decisions.length} decisions for ${request.steps} steps`);
  const ratios = calibratedRatios(decisions);
  return { request: { ...request, variant: { ...request.variant, runtimeCache: { ...runtime, magCache: { ...runtime.magCache, ratios } } } }, ratios };
}
