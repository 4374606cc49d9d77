import type { LoadedRun } from '../harness/results-file.ts';
import type { SiteHardwareGroup } from './types.ts';
import { runResultsPath } from './site-slug.ts';
import { machineLabel, peakGpuBytes, peakHostBytes, resultsByPair, sortRunsByStart } from './site-variant-figures.ts';

/**
 * Runs of the same suite grouped by machine fingerprint; each machine is represented by its latest run of
 * the suite. Machines are listed in the order they first ran the suite, so the default reference (the
 * first) stays the same as runs are added.
 */
export function siteHardware(runs: readonly LoadedRun[]): SiteHardwareGroup[] {
  const bySuite = new Map<string, LoadedRun[]>();
  for (const loaded of sortRunsByStart(runs)) {
    const list = bySuite.get(loaded.run.suite.name) ?? [];
    list.push(loaded);
    bySuite.set(loaded.run.suite.name, list);
  }
  return [...bySuite].map(([suiteName, suiteRuns]) => {
    const latestByMachine = new Map<string, LoadedRun>();
    for (const loaded of suiteRuns) latestByMachine.set(loaded.run.context.machine.fingerprint, loaded);
    const chosen = [...latestByMachine.values()];
    const machines = chosen.map(({ run }) => ({
      fingerprint: run.context.machine.fingerprint,
      label: machineLabel(run),
      cpuModel: run.context.machine.cpuModel,
      gpuName: run.context.gpus[0]?.name ?? null,
      driver: run.context.gpus[0]?.driver ?? null,
      runId: run.runId,
      startedAt: run.startedAt,
      commit: run.context.git?.commit ?? null,
      dirty: run.context.git?.dirty ?? false,
      resultsPath: runResultsPath(run.runId),
    }));
    const caveats: string[] = [];
    const commits = new Set(machines.map((m) => m.commit ?? 'unknown'));
    if (commits.size > 1) caveats.push(`The machines ran different commits (${[...commits].map((c) => c.slice(0, 7)).join(', ')}): differences include code changes, not only hardware.`);
    else if (machines.some((m) => m.commit === null)) caveats.push('At least one run records no git commit: whether the machines ran the same code is unknown.');
    const dirty = machines.filter((m) => m.dirty).map((m) => m.label);
    if (dirty.length > 0) caveats.push(`Uncommitted changes were present on ${dirty.join(', ')}: that run measured code no commit holds.`);
    const rows = resultsByPair(chosen).map(({ model, variant, results }) => {
      return {
        model,
        variant,
        status: chosen.map(({ run }, i) => (results[i] ? 'ok' : run.variants.some((v) => v.model === model && v.variant.name === variant) ? 'error' : 'absent') as 'ok' | 'error' | 'absent'),
        totalMedianMs: results.map((v) => v?.stages.total.medianMs ?? null),
        peakHostBytes: results.map((v) => (v ? peakHostBytes(v) : null)),
        peakGpuBytes: results.map((v) => (v ? peakGpuBytes(v) : null)),
      };
    });
    return { suiteName, machines, caveats, rows };
  });
}
