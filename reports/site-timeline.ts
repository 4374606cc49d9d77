import type { RunContext, Timeline } from '../harness/results-schema.ts';
import type { SiteStageName, SiteTimeline } from './types.ts';

const MiB = 1024 * 1024;
const BAND_STAGES: readonly SiteStageName[] = ['load', 'encode', 'denoise', 'decode'];

/**
 * Keeps at most `maxPoints` points of a series (sorted by time): each bucket keeps its lowest and highest
 * value in time order, so peaks — what a memory chart is read for — survive the reduction exactly.
 */
export function downsampleMinMax(points: readonly [number, number][], maxPoints: number): [number, number][] {
  if (points.length <= maxPoints) return points.map(([t, v]) => [t, v]);
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const out: [number, number][] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    if (to <= from) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i]![1] < points[lo]![1]) lo = i;
      if (points[i]![1] > points[hi]![1]) hi = i;
    }
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) out.push([points[i]![0], points[i]![1]]);
  }
  return out;
}

const mib = (bytes: number) => Math.round((bytes / MiB) * 1000) / 1000;

/** Reduces a variant's timeline to what its chart draws: MiB series, stage bands and step marks. */
export function siteTimeline(timeline: Timeline, gpus: RunContext['gpus'], maxPoints: number): SiteTimeline {
  const host = downsampleMinMax(
    timeline.host.map((s) => [s.tMs, mib(s.rssBytes)]),
    maxPoints,
  );
  const byUuid = new Map<string, [number, number][]>();
  for (const s of timeline.gpu) {
    if (s.usedBytes === undefined) continue;
    let points = byUuid.get(s.uuid);
    if (!points) byUuid.set(s.uuid, (points = []));
    points.push([s.tMs, mib(s.usedBytes)]);
  }
  const gpu = [...byUuid].map(([uuid, points]) => ({
    uuid,
    name: gpus.find((g) => g.uuid === uuid)?.name ?? uuid,
    points: downsampleMinMax(points, maxPoints),
  }));
  const bands: SiteTimeline['bands'] = [];
  const open = new Map<SiteStageName, number>();
  for (const mark of timeline.marks) {
    if (!BAND_STAGES.includes(mark.stage)) continue;
    if (mark.kind === 'stage-start') open.set(mark.stage, mark.tMs);
    if (mark.kind === 'stage-end') {
      const from = open.get(mark.stage);
      if (from !== undefined) bands.push({ stage: mark.stage, fromMs: from, toMs: mark.tMs });
      open.delete(mark.stage);
    }
  }
  const steps = timeline.marks.flatMap((m) =>
    m.kind === 'step' && m.step !== undefined ? [{ tMs: m.tMs, step: m.step, kind: m.stepKind ?? ('full' as const) }] : [],
  );
  return {
    intervalMs: timeline.intervalMs,
    achievedSamplesPerSecond: timeline.achievedSamplesPerSecond,
    hostSampleCount: timeline.host.length,
    host,
    gpu,
    bands,
    steps,
  };
}
