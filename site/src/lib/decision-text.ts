import type { SiteStepRow } from '../../../reports/types.ts';

const figure = (x: number) => String(Number(x.toPrecision(4)));

/** A run-time cache's decision at one step, per call: computed or reused, the measured change and (TeaCache, MagCache) the accumulated one, MagCache's step count since the call last computed; pab: the attention kinds broadcast. */
export function decisionText(step: SiteStepRow): string {
  if (!step.decision) return '';
  const calls = step.decision.map((c) => {
    if (c.broadcast) return `${c.call} ${c.broadcast.length ? `broadcast ${c.broadcast.join(' and ')} attention` : 'computed'}`;
    const measured = [c.change === null ? null : `change ${figure(c.change)}`, c.accumulated === null ? null : `sum ${figure(c.accumulated)}`, c.skipSteps === undefined ? null : `count ${c.skipSteps}`].filter(Boolean).join(', ');
    return `${c.call} ${c.computed ? 'computed' : 'reused'}${measured ? ` (${measured})` : ''}`;
  });
  return `${calls.join('; ')}${step.decisionVaries ? ' — other runs decided differently' : ''}`;
}
