import type { OrtTensor } from './ort-backend.ts';
import { tensorBytes } from './ort-backend.ts';
import type { CacheReport, ExecutionProviderName } from './types.ts';

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

/** The cache holder for a provider: device-resident where the runtime can keep outputs on the device, host otherwise. */
export function createFeatureCache(provider: ExecutionProviderName, swap: boolean, deviceResident: boolean): FeatureCache {
  if (deviceResident) return new ResidentFeatureCache('device');
  if (swap && provider === 'cpu') return new ResidentFeatureCache('host', 'cache offload is a no-op on the CPU provider: the feature already lives in host memory');
  if (provider === 'cuda') return new ResidentFeatureCache('host', 'onnxruntime-node 1.30 returns every CUDA output to host memory, so the cached feature lives there and is uploaded for each cached step');
  if (swap) return new ResidentFeatureCache('host', 'cache offload: the feature is kept in host memory between steps and uploaded for each cached step');
  return new ResidentFeatureCache('host');
}
