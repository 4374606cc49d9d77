import { createHash } from 'node:crypto';

/**
 * A URL path segment for an arbitrary name (model and variant names come from results files). Names that
 * are already safe stay as they are; any other name gets a hash suffix, so two names never share a segment.
 */
export function slugSegment(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-_.]+|[-_.]+$/g, '');
  if (safe === name && safe !== '') return safe;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return safe === '' ? `x-${hash}` : `${safe}-${hash}`;
}

/** Site-relative path (no base, trailing slash) of the detail page of one (run, model, variant). */
export function detailPagePath(runId: string, model: string, variant: string): string {
  return `runs/${slugSegment(runId)}/${slugSegment(model)}/${slugSegment(variant)}/`;
}

/** Site-relative path of the overview page of one run. */
export function runOverviewPath(runId: string): string {
  return `runs/${slugSegment(runId)}/`;
}

/** Site-relative path of the ablation page of one run. */
export function runAblationPath(runId: string): string {
  return `runs/${slugSegment(runId)}/ablation/`;
}

/** Site-relative path of the published copy of one run's results file. */
export function runResultsPath(runId: string): string {
  return `results/${slugSegment(runId)}.json`;
}
