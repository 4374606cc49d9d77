import type { ExecutionProviderName } from '../pipelines/types.ts';

/** The provider a run uses, and what was tried to choose it. */
export interface ResolvedDevice {
  provider: ExecutionProviderName;
  note?: string;
}

/** `auto` falls back to the CPU provider; an explicit provider is used as asked (a provider that cannot load fails its variants with a clear error). */
export async function resolveDevice(requested: 'auto' | ExecutionProviderName): Promise<ResolvedDevice> {
  if (requested !== 'auto') return { provider: requested };
  return { provider: 'cpu', note: 'auto: chose cpu (GPU providers are used only when asked for explicitly)' };
}
