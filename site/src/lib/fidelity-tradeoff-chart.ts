import type { SiteFidelity } from '../../../reports/types.ts';
import type { ChartSpec } from './chart-spec.ts';
import { colour, fmtPsnr, fmtRatio, fmtSsim } from './format.ts';

/** A point of the chart: the variant, its method (one colour and curve per method), one speed-up and its fidelity. */
export interface FidelityTradeoffPoint {
  variant: string;
  method: string;
  speedup: number | null;
  fidelity: SiteFidelity | null;
}

// Identical frames have infinite PSNR; they are drawn this far above the highest finite value (or at this value).
const IDENTICAL_HEADROOM_DB = 5;
const IDENTICAL_FLOOR_DB = 60;

/**
 * Speed-up against PSNR, one point per accelerated variant, the points of one method joined in speed-up order, so
 * a threshold sweep reads as a curve and a user picks the threshold whose fidelity they accept.
 */
export function fidelityTradeoffChart(model: string, points: readonly FidelityTradeoffPoint[], speedupName: string): ChartSpec {
  const measured = points.filter((p) => p.speedup !== null && p.fidelity !== null);
  const finite = measured.flatMap((p) => (p.fidelity!.identical || p.fidelity!.psnrDb === null ? [] : [p.fidelity!.psnrDb]));
  const identicalAt = Math.max(IDENTICAL_FLOOR_DB, ...finite.map((v) => v + IDENTICAL_HEADROOM_DB));
  const psnr = (f: SiteFidelity) => (f.identical || f.psnrDb === null ? identicalAt : f.psnrDb);
  const methods = [...new Set(measured.map((p) => p.method))];
  const datasets: ChartSpec['datasets'] = methods.map((method, i) => {
    const members = measured.filter((p) => p.method === method).sort((a, b) => a.speedup! - b.speedup!);
    return {
      label: method,
      data: members.map((p) => ({ x: p.speedup!, y: psnr(p.fidelity!) })),
      colour: colour(i),
      draw: members.length > 1 ? 'line' : 'points',
      pointRadius: 6,
      pointNames: members.map((p) => p.variant),
      pointLabels: members.map((p) => `${p.variant}: ${fmtRatio(p.speedup)} faster, PSNR ${fmtPsnr(p.fidelity)} dB, SSIM ${fmtSsim(p.fidelity)}`),
    };
  });
  const unmeasured = points.filter((p) => !measured.includes(p)).map((p) => p.variant);
  return {
    type: 'line',
    title: `${model}: ${speedupName} against fidelity`,
    xTitle: `${speedupName} over the baseline (×, right is faster)`,
    yTitle: `PSNR against the baseline, up is closer; identical frames at ${Math.round(identicalAt)} (dB)`,
    datasets,
    description:
      `Scatter of ${speedupName} against PSNR, one point per accelerated variant, the variants of one method joined. ` +
      measured.map((p) => `${p.variant}: ${fmtRatio(p.speedup)}, PSNR ${fmtPsnr(p.fidelity)} dB, SSIM ${fmtSsim(p.fidelity)}`).join('; ') +
      '.' +
      (unmeasured.length ? ` Not drawn (no speed-up or fidelity): ${unmeasured.join(', ')}.` : ''),
  };
}
