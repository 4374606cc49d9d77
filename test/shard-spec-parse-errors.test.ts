import { expect, it } from 'vitest';
import { HarnessError } from '../harness/harness-error.ts';
import { formatShardSpec, parseShardSpec } from '../harness/shard-plan.ts';

it('reads the 1-based flag form into a 0-based shard and back', () => {
  expect(parseShardSpec('2/4')).toEqual({ index: 1, count: 4 });
  expect(parseShardSpec(' 1 / 1 ')).toEqual({ index: 0, count: 1 });
  expect(parseShardSpec('7/7')).toEqual({ index: 6, count: 7 });
  expect(formatShardSpec(parseShardSpec('3/5'))).toBe('3/5');
});

it.each([
  ['0/4', /shard 0 does not exist among 4/],
  ['5/4', /shard 5 does not exist among 4/],
  ['2/0', /shard count must be at least 1/],
  ['2', /expected i\/n/],
  ['a/b', /expected i\/n/],
  ['-1/3', /expected i\/n/],
  ['1.5/3', /expected i\/n/],
  ['', /expected i\/n/],
])('"%s" is a bad-arguments error that says what is accepted', (text, message) => {
  try {
    parseShardSpec(text);
    expect.unreachable(`accepted "${text}"`);
  } catch (error) {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('bad-arguments');
    expect((error as HarnessError).message).toMatch(message);
    expect((error as HarnessError).message).toContain(`--shard "${text}"`);
  }
});
