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

/** Rounds away float noise and never prints `-0`. */
const fixed = (x: number, digits: number) => {
  const text = x.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
};

/** Milliseconds: one decimal, two significant digits below 1 ms so short stages do not read as 0.0. */
export const fmtMs = (ms: number | null | undefined) => {
  if (ms === null || ms === undefined) return '—';
  if (ms !== 0 && Math.abs(ms) < 1) return Number(ms.toPrecision(2)).toString();
  return fixed(ms, 1);
};
export const toMiB = (bytes: number) => Math.round((bytes / MiB) * 1000) / 1000;
export const fmtMiB = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '—' : fixed(bytes / MiB, 1));
export const fmtGiB = (bytes: number) => `${fixed(bytes / (1024 * MiB), 1)} GiB`;
export { fmtRatio } from './ratio-format.ts';
/** A share of a whole as a whole-number percentage; '—' where it is unknown. */
export const fmtShare = (share: number | null | undefined) => (share === null || share === undefined ? '—' : `${Math.round(100 * share)}%`);
export const fmtPsnr = (f: SiteFidelity | null) => (f === null ? '—' : f.identical || f.psnrDb === null ? '∞ (identical)' : fixed(f.psnrDb, 2));
export const fmtSsim = (f: SiteFidelity | null) => (f === null ? '—' : fixed(f.ssim, 4));
/** A time's confidence interval; times cannot be negative, so a lower bound below zero shows as 0. */
export const fmtCi = (ci: [number, number]) => `${fmtMs(Math.max(0, ci[0]))} – ${fmtMs(ci[1])}`;
/** Any magnitude in text: scientific notation below 1e-3 (`1.2e-6`), else up to four significant digits. */
export function fmtNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-3) return Number(x.toPrecision(2)).toExponential();
  if (Math.abs(x) >= 1000) return fixed(x, 0);
  return Number(x.toPrecision(4)).toString();
}
/** Rates and other per-second figures in text. */
export const fmtRate = (x: number) => fixed(x, 1);

export function shortCommit(commit: string | null, dirty = false): string {
  if (!commit) return '—';
  return `${commit.slice(0, 7)}${dirty ? '+dirty' : ''}`;
}

/** `2025-06-02 09:14 UTC` */
export function fmtDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Okabe & Ito's colour-blind-safe palette (yellow and black left out: too pale on white, invisible in dark
 * mode), then grey and Tol's wine; markers differ by shape as well.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#7f7f7f', '#882255'];
/** Marker shapes paired with the palette, so series differ by shape as well as colour. */
export const POINT_STYLES = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'line'] as const;
export const STAGE_COLOURS: Record<string, string> = {
  load: '#999999',
  encode: '#E69F00',
  denoise: '#0072B2',
  decode: '#009E73',
  other: '#CC79A7',
  total: '#555555',
};
export const colour = (i: number) => PALETTE[i % PALETTE.length]!;
export const pointStyle = (i: number) => POINT_STYLES[i % POINT_STYLES.length]!;
