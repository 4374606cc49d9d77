import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import { trackTempPath, untrackTempPath } from './process-registry.ts';
import { heatmapPosition, heatmapRgb } from '../reports/heatmap-scale.ts';

/** Frames [frames, 3, H, W] in [0, 1], as the pipelines return them. */
export interface FrameStack {
  data: Float32Array;
  shape: readonly [number, number, number, number];
}

function toByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v * 255)));
}

/** One frame as an RGBA PNG image. */
export function framePng(frames: FrameStack, index: number): PNG {
  const [, , height, width] = frames.shape;
  const plane = height * width;
  const base = index * 3 * plane;
  const png = new PNG({ width, height });
  for (let p = 0; p < plane; p++) {
    png.data[p * 4] = toByte(frames.data[base + p]!);
    png.data[p * 4 + 1] = toByte(frames.data[base + plane + p]!);
    png.data[p * 4 + 2] = toByte(frames.data[base + 2 * plane + p]!);
    png.data[p * 4 + 3] = 255;
  }
  return png;
}

/** All frames side by side in rows of `columns`, for a quick look at a whole video. */
export function contactSheetPng(frames: FrameStack, columns = Math.min(8, frames.shape[0])): PNG {
  const [count, , height, width] = frames.shape;
  const rows = Math.ceil(count / columns);
  const sheet = new PNG({ width: columns * width, height: rows * height });
  sheet.data.fill(255);
  for (let f = 0; f < count; f++) {
    const frame = framePng(frames, f);
    PNG.bitblt(frame, sheet, 0, 0, width, height, (f % columns) * width, Math.floor(f / columns) * height);
  }
  return sheet;
}

/**
 * Heat map of |frames − reference| for one frame, max over channels, on the shared log scale of
 * reports/heatmap-scale.ts, so heat maps of different variants and runs compare by colour.
 */
export function differenceHeatmapPng(frames: FrameStack, reference: FrameStack, index: number): PNG {
  const [, , height, width] = frames.shape;
  const plane = height * width;
  const base = index * 3 * plane;
  const png = new PNG({ width, height });
  for (let p = 0; p < plane; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(frames.data[base + c * plane + p]! - reference.data[base + c * plane + p]!));
    const [r, g, b] = heatmapRgb(heatmapPosition(d));
    png.data[p * 4] = r;
    png.data[p * 4 + 1] = g;
    png.data[p * 4 + 2] = b;
    png.data[p * 4 + 3] = 255;
  }
  return png;
}

/** Writes a PNG atomically (temp file + rename); a failed write leaves neither the image nor its temp file. */
export async function writePng(path: string, png: PNG): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = trackTempPath(`${path}.tmp-${process.pid}`);
  try {
    await writeFile(temp, PNG.sync.write(png));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    untrackTempPath(temp);
  }
}
