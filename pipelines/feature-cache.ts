import type { OrtTensor } from './ort-backend.ts';
import { releaseTensor, tensorBytes, tensorLocation } from './ort-backend.ts';
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
 * there is a no-op, and the report says so rather than pretending a move happened. The reported location is
 * read from the stored tensors themselves, so a feature that was meant to stay on the device but came back to
 * host memory is reported as host.
 */
export class ResidentFeatureCache implements FeatureCache {
  private feature: OrtTensor | null = null;
  private peakBytes = 0;
  private seen: { host: boolean; device: boolean } = { host: false, device: false };

  constructor(
    private readonly location: 'host' | 'device',
    private readonly note?: string,
  ) {}

  async store(feature: OrtTensor): Promise<void> {
    // A device tensor is freed as soon as it is replaced: left to the garbage collector, every full step's
    // feature would stay allocated on the GPU.
    if (this.feature && this.feature !== feature) releaseTensor(this.feature);
    this.feature = feature;
    this.seen[tensorLocation(feature)] = true;
    this.peakBytes = Math.max(this.peakBytes, tensorBytes(feature));
  }

  prefetch(): void {}

  async fetch(): Promise<OrtTensor> {
    if (!this.feature) throw new Error('a cached step ran before any full step recorded the feature');
    return this.feature;
  }

  clear(): void {
    if (this.feature) releaseTensor(this.feature);
    this.feature = null;
  }

  report(): CacheReport {
    if (!this.seen.host && !this.seen.device) return { peakBytes: 0, location: this.location, ...(this.note ? { note: this.note } : {}) };
    const observed = this.seen.device && !this.seen.host ? 'device' : 'host';
    if (observed === this.location) return { peakBytes: this.peakBytes, location: observed, ...(this.note ? { note: this.note } : {}) };
    const what = this.seen.device && this.seen.host ? 'in host memory on some steps and on the device on others' : `in ${observed === 'host' ? 'host memory' : 'device memory'}`;
    return { peakBytes: this.peakBytes, location: observed, note: `the cache was meant to live in ${this.location === 'host' ? 'host' : 'device'} memory, but the runtime returned the feature ${what}` };
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
