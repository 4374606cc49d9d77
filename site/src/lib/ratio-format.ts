/** `1.45×`; small ratios keep three significant digits so that 0.087× does not read as 0.09×. Shared by pages and page scripts. */
export function fmtRatio(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  return `${Math.abs(x) >= 0.1 || x === 0 ? x.toFixed(2) : x.toPrecision(3)}×`;
}
