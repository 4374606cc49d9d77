import type { OrtTensor } from './ort-backend.ts';
import { tensorBytes } from './ort-backend.ts';
import type { CacheReport } from './types.ts';

/**
 * Holds DeepCache's feature between the full step that records it and the cached steps that reuse it.
 * Implementations differ in where the feature lives between steps; the pipeline only stores and fetches.
 */
export interface FeatureCache {
  store(feature: OrtTensor): Promise<void>;
  /** Makes the feature ready for the next step; called ahead of it so a real move can overlap other work. */
  prefetch(): void;
  fetch(): Promise<OrtTensor>;
  clear(): void;
  report(): CacheReport;
}

/**
 * The feature stays where the runtime put it. On the CPU provider that is host memory; "offloading" it
 * there is a no-op, and the report says so rather than pretending a move happened.
 */
export class ResidentFeatureCache implements FeatureCache {
  private feature: OrtTensor | null = null;
  private peakBytes = 0;

  constructor(
    private readonly location: 'host' | 'device',
    private readonly note?: string,
  ) {}

  async store(feature: OrtTensor): Promise<void> {
    this.feature = feature;
    this.peakBytes = Math.max(this.peakBytes, tensorBytes(feature));
  }

  prefetch(): void {}

  async fetch(): Promise<OrtTensor> {
    if (!this.feature) throw new Error('a cached step ran before any full step recorded the feature');
    return this.feature;
  }

  clear(): void {
    this.feature = null;
  }

  report(): CacheReport {
    return { peakBytes: this.peakBytes, location: this.location, ...(this.note ? { note: this.note } : {}) };
  }
}
