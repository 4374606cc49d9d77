import { expect, it } from 'vitest';
import { differenceHeatmapPng, type FrameStack } from '../harness/frame-images.ts';
import { HEATMAP_SCALE, heatmapPosition, heatmapRgb } from '../reports/heatmap-scale.ts';

function pair(diff: number): [FrameStack, FrameStack] {
  const plane = 8 * 8;
  const reference = new Float32Array(3 * plane).fill(0.5);
  const frames = new Float32Array(3 * plane).fill(0.5);
  for (let i = 0; i < plane; i++) frames[i] = 0.5 + diff;
  const shape = [1, 3, 8, 8] as const;
  return [{ data: frames, shape }, { data: reference, shape }];
}

const brightness = (diff: number) => {
  const png = differenceHeatmapPng(...pair(diff), 0);
  return (png.data[0]! + png.data[1]! + png.data[2]!) / 765;
};

it('draws differences of every variant on one log scale: 1e-6 stays dark, 1e-1 is bright, more is brighter', () => {
  expect(brightness(0)).toBe(0);
  expect(brightness(1e-6)).toBeLessThan(0.02);
  expect(brightness(1e-1)).toBeGreaterThan(0.5);
  expect(brightness(1e-3)).toBeGreaterThan(brightness(1e-5));
  expect(brightness(1e-1)).toBeGreaterThan(brightness(1e-3));
  // Not scaled to the frame's own maximum: a frame whose largest difference is 1e-5 is not drawn as white.
  expect(brightness(1e-5)).toBeLessThan(0.3);
  expect(heatmapPosition(HEATMAP_SCALE.minAbs)).toBe(0);
  expect(heatmapPosition(HEATMAP_SCALE.maxAbs)).toBe(1);
  expect(heatmapRgb(1)).toEqual([255, 255, 255]);
});
