import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTORCH_PYTHON } from './fixtures/pytorch-python.ts';

// The exporter refuses a folder it cannot export before loading any weights, naming each missing or unsupported part.
const python = PYTORCH_PYTHON;
const EXPORT = join(import.meta.dirname, '..', 'tools', 'export');

function folder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lightbench-pretrained-refused-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const ANIMATEDIFF_INDEX = {
  _class_name: 'AnimateDiffPipeline',
  unet: ['diffusers', 'UNet2DConditionModel'],
  text_encoder: ['transformers', 'CLIPTextModel'],
  tokenizer: ['transformers', 'CLIPTokenizer'],
  vae: ['diffusers', 'AutoencoderKL'],
  scheduler: ['diffusers', 'PNDMScheduler'],
  motion_adapter: [null, null],
};

describe.skipIf(!python)(`--from-pretrained refusals (${python ? `Python at ${python}` : 'skipped: no Python with tools/export/requirements.txt'})`, () => {
  it('names every missing or unsupported part of the folder', () => {
    const cases = [
      folder({ 'readme.txt': 'not a pipeline' }),
      folder({ 'model_index.json': { _class_name: 'StableDiffusionXLPipeline' } }),
      folder({
        'model_index.json': ANIMATEDIFF_INDEX,
        'unet/config.json': {},
        'unet/diffusion_pytorch_model.safetensors': 'x',
        'text_encoder/config.json': {},
        'vae/config.json': {},
        'vae/diffusion_pytorch_model.safetensors': 'x',
        'scheduler/scheduler_config.json': { _class_name: 'PNDMScheduler' },
        'tokenizer/tokenizer_config.json': {},
      }),
    ];
    const code = `import json, sys; sys.path.insert(0, ${JSON.stringify(EXPORT)})
from from_pretrained import check_folder
for folder in sys.argv[1:]:
    try:
        check_folder(folder); print(json.dumps(None))
    except SystemExit as refused:
        print(json.dumps(str(refused)))`;
    const messages = execFileSync(python!, ['-c', code, ...cases], { encoding: 'utf8' }).trim().split('\n').map((line) => JSON.parse(line) as string);
    expect(messages[0]).toContain('no model_index.json: not a diffusers pipeline folder');
    expect(messages[1]).toContain("pipeline class 'StableDiffusionXLPipeline' is not supported; accepted: AnimateDiffPipeline, StableVideoDiffusionPipeline");
    expect(messages[2]).toContain(`--from-pretrained ${cases[2]}: missing or unsupported:`);
    expect(messages[2]).toContain('text_encoder/ weights (no *.safetensors or *.bin)');
    expect(messages[2]).toContain('a motion adapter (the UNet is a UNet2DConditionModel');
    expect(messages[2]).toContain('scheduler PNDMScheduler is not one lightbench samples with (accepted: DDIMScheduler, EulerDiscreteScheduler); --scheduler-class');
    expect(messages[2]).toContain('tokenizer/tokenizer.json');
  }, 60_000);

  it('the exporter command exits with the refusal and writes nothing', () => {
    const empty = folder({});
    const out = join(empty, 'out');
    const run = spawnSync(python!, [join(EXPORT, 'export_diffusers.py'), '--from-pretrained', empty, '--out', out], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`--from-pretrained ${empty}: no model_index.json`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
