import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { main } from '../harness/command-models.ts';
import { USER_MODELS_DIR } from './fixtures/user-model-reference.ts';

// `models inspect` of a DiT manifest says what fme would chunk: per token count, the regions over it (one per
// block plus one over the image tokens; EasyAnimate's joint attention once per block over text + image tokens).
afterEach(() => {
  vi.restoreAllMocks();
});

it.each([
  ['wan-tiny', /FME token chunking \(4 slices, attention fused\): 5 over 12 token rows; \d+ of \d+ nodes chunked/],
  ['easyanimate-tiny', /FME token chunking \(4 slices, attention fused\): 5 over 12 token rows, 4 over 28 token rows; \d+ of \d+ nodes chunked/],
])('models inspect %s shows the token chunk plan', async (fixture, plan) => {
  let printed = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((printed += String(chunk)), true));
  expect(await main(['inspect', join(USER_MODELS_DIR, fixture, 'manifest.json')])).toBe(0);
  expect(printed).toMatch(plan);
});
