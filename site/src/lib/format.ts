import { base as configuredBase } from 'astro:config/client';
import type { SiteFidelity } from '../../../reports/types.ts';

const MiB = 1024 * 1024;

/**
 * A site-relative path under the configured base (`/bench/` + `overview/`). The base comes from the
 * serialised config, not import.meta.env.BASE_URL, which a BASE_URL in the environment would override.
 */
export function withBase(path: string): string {
  const base = configuredBase.replace(/\/+$/, '');
  return `${base}/${path.replace(/^\/+/, '')}`;
}

export const fmtMs = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : ms.toFixed(1));
export const toMiB = (bytes: number) => Math.round((bytes / MiB) * 1000) / 1000;
export const fmtMiB = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '—' : (bytes / MiB).toFixed(1));
export const fmtGiB = (bytes: number) => `${(bytes / (1024 * MiB)).toFixed(1)} GiB`;
export { fmtRatio } from './ratio-format.ts';
export const fmtPsnr = (f: SiteFidelity | null) => (f === null ? '—' : f.identical || f.psnrDb === null ? '∞ (identical)' : f.psnrDb.toFixed(2));
export const fmtSsim = (f: SiteFidelity | null) => (f === null ? '—' : f.ssim.toFixed(4));
export const fmtCi = (ci: [number, number]) => `${ci[0].toFixed(1)} – ${ci[1].toFixed(1)}`;

export function shortCommit(commit: string | null, dirty = false): string {
  if (!commit) return '—';
  return `${commit.slice(0, 7)}${dirty ? '+dirty' : ''}`;
}

/** `2025-06-02 09:14 UTC` */
export function fmtDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Colours for datasets, in order; stage colours are fixed so every chart reads the same. */
export const PALETTE = ['#1f6feb', '#d1242f', '#2da44e', '#bf8700', '#8250df', '#0a7e8c', '#cf222e', '#57606a', '#e16f24', '#6e7781'];
export const STAGE_COLOURS: Record<string, string> = {
  load: '#8c959f',
  encode: '#bf8700',
  denoise: '#1f6feb',
  decode: '#2da44e',
  total: '#57606a',
};
export const colour = (i: number) => PALETTE[i % PALETTE.length]!;
