import { describe, expect, it } from 'vitest';
import { parseCommandArguments } from '../harness/cli-arguments.ts';
import { overridesFromOptions, RUN_OPTIONS } from '../harness/command-run.ts';
import { parseSuite } from '../harness/suite-config.ts';

const fromFlags = (...argv: string[]) => overridesFromOptions(parseCommandArguments('run', argv, RUN_OPTIONS).options);

describe('numbers a run takes have upper bounds, on the command line and in suite files', () => {
  it.each([
    ['--intra-op-threads', '100000', /--intra-op-threads "100000" is not accepted; expected an integer from 0 to 256/],
    ['--inter-op-threads', '100000', /--inter-op-threads "100000" is not accepted; expected an integer from 0 to 256/],
    ['--sample-interval', '1e12', /--sample-interval "1e12" is not accepted; expected an integer from 0 to 60000/],
    ['--sample-interval', '2.5', /--sample-interval "2.5" is not accepted/],
    ['--repeats', '1000000000', /--repeats "1000000000" is not accepted; expected an integer from 1 to 1000/],
    ['--warmup', '100000', /--warmup "100000" is not accepted; expected an integer from 0 to 100/],
    ['--mmap-threshold', '1000000000000', /--mmap-threshold "1000000000000" is not accepted; expected an integer from 0 to 33554432/],
    ['--power', '1e300', /--power "1e300" is not accepted; expected a number from 1.0000001 to 100/],
  ])('%s %s is refused with the accepted range', (flag, value, message) => {
    expect(() => fromFlags(flag, value)).toThrow(message);
  });

  it.each([
    [{ session: { intraOpThreads: 100000 } }, /session\.intraOpThreads: .*(256|too big)/i],
    [{ sampleIntervalMs: 1e12 }, /sampleIntervalMs: .*(60000|too big)/i],
    [{ repeats: 1e9 }, /repeats: .*(1000|too big)/i],
  ])('suite %j is refused naming the field', (suite, message) => {
    expect(() => parseSuite(suite, 'suite.yaml')).toThrow(message);
  });

  it('the largest accepted values still pass', () => {
    expect(fromFlags('--intra-op-threads', '256', '--sample-interval', '60000')).toMatchObject({ session: { intraOpThreads: 256 }, sampleIntervalMs: 60000 });
  });
});
