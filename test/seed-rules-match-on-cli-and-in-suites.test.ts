import { expect, it } from 'vitest';
import { parseCommandArguments } from '../harness/cli-arguments.ts';
import { overridesFromOptions, RUN_OPTIONS } from '../harness/command-run.ts';
import { parseSuite } from '../harness/suite-config.ts';

const acceptedOnCli = (seed: number) => {
  try {
    return overridesFromOptions(parseCommandArguments('run', ['--seed', String(seed)], RUN_OPTIONS).options).seed === seed;
  } catch {
    return false;
  }
};
const acceptedInSuite = (seed: number) => {
  try {
    return parseSuite({ seed }, 'suite.yaml').seed === seed;
  } catch {
    return false;
  }
};

it('a seed is accepted on the command line exactly when a suite file accepts it', () => {
  const seeds = [-1, 0, 1, 42, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 1.5];
  const verdicts = seeds.map((seed) => [seed, acceptedOnCli(seed), acceptedInSuite(seed)]);
  expect(verdicts.filter(([, cli, suite]) => cli !== suite)).toEqual([]);
  // And the rule itself: whole numbers from 0 to 2^53 − 1.
  expect(verdicts.map(([seed, cli]) => [seed, cli])).toEqual(seeds.map((seed) => [seed, Number.isSafeInteger(seed) && seed >= 0]));
});
