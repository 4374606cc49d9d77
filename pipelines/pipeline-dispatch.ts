import type { AnyPipelineRequest, PipelineEvent, PipelineOutput, UserPipelineRequest } from './types.ts';
import type { UserModelFiles } from './user-model-files.ts';
import { prepareUserModels } from './user-model-files.ts';
import { runUserPipeline } from './user-video-pipeline.ts';
import type { ModelFiles } from './video-pipeline.ts';
import { prepareModels, runPipeline } from './video-pipeline.ts';

/** The files a run needs, by the kind of model it runs. */
export type PreparedModels = { kind: 'preset'; files: ModelFiles } | { kind: 'user'; files: UserModelFiles };

export function isUserRequest(request: AnyPipelineRequest): request is UserPipelineRequest {
  return 'userModel' in request;
}

/** Builds (preset) or splits (user model) and counts the files of one variant, before any timing. */
export async function prepareAnyModels(request: AnyPipelineRequest): Promise<PreparedModels> {
  return isUserRequest(request) ? { kind: 'user', files: await prepareUserModels(request) } : { kind: 'preset', files: await prepareModels(request) };
}

/** One measured run of either kind of model. */
export function runAnyPipeline(request: AnyPipelineRequest, prepared: PreparedModels, emit?: (event: PipelineEvent) => void): Promise<PipelineOutput> {
  if (isUserRequest(request) && prepared.kind === 'user') return runUserPipeline(request, prepared.files, emit);
  if (!isUserRequest(request) && prepared.kind === 'preset') return runPipeline(request, prepared.files, emit);
  throw new Error('prepared models do not belong to this request');
}
