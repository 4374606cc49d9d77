/**
 * The one scale of every difference heat map: |variant − baseline| per pixel (max over channels, frames in
 * [0, 1]) on a log10 axis from 1e-6 to 1, so a run 1e-6 from the baseline stays dark next to one 1e-1 away.
 * Differences below the floor are black; identical pixels too.
 */
export const HEATMAP_SCALE = { minAbs: 1e-6, maxAbs: 1, log10: true } as const;

/** Colour stops of the map, position 0..1 along the scale: black → red → yellow → white. */
export const HEATMAP_STOPS: readonly { at: number; rgb: readonly [number, number, number] }[] = [
  { at: 0, rgb: [0, 0, 0] },
  { at: 1 / 3, rgb: [255, 0, 0] },
  { at: 2 / 3, rgb: [255, 255, 0] },
  { at: 1, rgb: [255, 255, 255] },
];

/** Position 0..1 of an absolute difference on the shared scale. */
export function heatmapPosition(absDiff: number): number {
  if (!(absDiff > HEATMAP_SCALE.minAbs)) return 0;
  const lo = Math.log10(HEATMAP_SCALE.minAbs);
  const hi = Math.log10(HEATMAP_SCALE.maxAbs);
  return Math.min(1, (Math.log10(absDiff) - lo) / (hi - lo));
}

/** RGB of a position on the scale, interpolated between the stops. */
export function heatmapRgb(position: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, position));
  for (let i = 1; i < HEATMAP_STOPS.length; i++) {
    const a = HEATMAP_STOPS[i - 1]!;
    const b = HEATMAP_STOPS[i]!;
    if (t <= b.at) {
      const f = (t - a.at) / (b.at - a.at);
      return [0, 1, 2].map((c) => Math.round(a.rgb[c]! + (b.rgb[c]! - a.rgb[c]!) * f)) as [number, number, number];
    }
  }
  return [...HEATMAP_STOPS.at(-1)!.rgb];
}
