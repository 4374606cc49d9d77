import { describe, expect, it } from 'vitest';
import { compareRuns } from '../reports/compare-runs.ts';
import { buildHistory } from '../reports/history.ts';
import { makeExampleRun } from './fixtures/make-example-run.ts';

// Switching between fused and unfused attention changes time and memory by design: history keeps the two forms in
// separate series (so the switch is not a regression or an improvement of one series), and compare says so.
describe('attention form in history and compare', () => {
  const runs = [0, 1, 2, 3].map((i) => {
    const run = makeExampleRun({ runId: `run-${i}`, startedAt: `2026-11-0${i + 1}T00:00:00Z`, commit: `c${i}`, timeScale: i < 2 ? 1.6 : 1, jitterSeed: i });
    run.suite.session = { ...run.suite.session, fuseAttention: i >= 2 };
    return run;
  });

  it('puts runs of each form in their own series', () => {
    const series = buildHistory(runs).filter((s) => s.model === runs[0]!.variants[0]!.model && s.variant === 'baseline' && s.stage === 'total' && s.metric === 'time');
    expect(series.map((s) => [s.attention, s.points.map((p) => p.runId)]).sort()).toEqual([
      ['fused', ['run-2', 'run-3']],
      ['unfused', ['run-0', 'run-1']],
    ]);
    expect(new Set(series.map((s) => s.key)).size).toBe(2);
  });

  it('treats a run without the setting (recorded before it existed) as unfused', () => {
    const old = makeExampleRun({ runId: 'old', startedAt: '2026-10-01T00:00:00Z' });
    delete (old.suite.session as { fuseAttention?: boolean }).fuseAttention;
    const series = buildHistory([old, runs[0]!]).find((s) => s.variant === 'baseline' && s.stage === 'total' && s.metric === 'time')!;
    expect(series.attention).toBe('unfused');
    expect(series.points.map((p) => p.runId)).toEqual(['old', 'run-0']);
  });

  it('compare notes a change of attention form between BASE and HEAD', () => {
    const comparison = compareRuns([runs[1]!], [runs[2]!]);
    expect(comparison.notes.join('\n')).toMatch(/BASE computed attention unfused and HEAD fused/);
  });
});
