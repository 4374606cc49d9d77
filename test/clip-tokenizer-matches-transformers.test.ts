import { readFileSync, realpathSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { loadPromptTokenizer } from '../pipelines/prompt-tokenizer.ts';
import { BASELINE, runUser, userRequest } from './fixtures/run-user-variant.ts';
import { writeManifestVariant } from './fixtures/user-model-reference.ts';

// A CLIP-format tokenizer saved by transformers' CLIPTokenizer and the ids it gives with diffusers' call
// (padding to 77, truncation), recorded by tools/reference/clip_tokenizer_reference.py.
const FIXTURE = join(import.meta.dirname, 'fixtures', 'clip-tokenizer');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected-ids.json'), 'utf8')) as { maxLength: number; prompts: { prompt: string; ids: number[] }[] };

describe("a manifest's tokenizer.json", () => {
  it.each(expected.prompts.map((p) => [p.prompt.slice(0, 40), p] as const))('gives transformers\' ids for %j', (_, { prompt, ids }) => {
    expect(loadPromptTokenizer(join(FIXTURE, 'tokenizer.json')).encode(prompt, expected.maxLength)).toEqual(ids);
  });

  it('is what a text-to-video run feeds its text encoder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lightbench-tokenizer-'));
    const model = await loadModelManifest(writeManifestVariant('animatediff-tiny', dir, (m) => (m.textEncoder.tokenizer = join(FIXTURE, 'tokenizer.json'))));
    expect(model.kind === 'text-to-video' && realpathSync(model.textEncoder.tokenizer!)).toBe(realpathSync(join(FIXTURE, 'tokenizer.json')));
    const [prompt, negative] = [expected.prompts[1]!, expected.prompts[2]!];
    const request = userRequest(model, BASELINE, { steps: 2, prompt: prompt.prompt, negativePrompt: negative.prompt });
    const fromPrompts = await runUser(request);
    const fromIds = await runUser({ ...request, inputs: { tokenIds: { prompt: prompt.ids, negative: negative.ids } } });
    const fromOtherIds = await runUser({ ...request, inputs: { tokenIds: { prompt: expected.prompts[0]!.ids, negative: negative.ids } } });
    expect(fromPrompts.frames).toEqual(fromIds.frames);
    expect(fromPrompts.frames).not.toEqual(fromOtherIds.frames);
  }, 60_000);
});
