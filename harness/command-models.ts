import { resolve } from 'node:path';
import Table from 'cli-table3';
import { PRESETS, getPreset } from '../pipelines/models/presets.ts';
import { cacheFeatureShape, unetBranchCount } from '../pipelines/models/unet.ts';
import { buildUnetGraph } from '../pipelines/models/unet.ts';
import { buildTextEncoderGraph } from '../pipelines/models/text-encoder.ts';
import { buildVaeDecoderGraph } from '../pipelines/models/vae-decoder.ts';
import { ensureModel } from '../pipelines/models/model-store.ts';
import { TEXT_BATCH } from '../pipelines/models/text-encoder.ts';
import type { OptionSpecs } from './cli-arguments.ts';
import { formatOptionsHelp, parseCommandArguments } from './cli-arguments.ts';
import { HarnessError } from './harness-error.ts';

/** Options of `lightbench models`. */
export const MODELS_OPTIONS: OptionSpecs = {
  preset: { type: 'string', help: 'preset to describe or build (default: all for list, small for build)' },
  help: { type: 'boolean', help: 'show this help' },
};

const SUBCOMMANDS = ['list', 'build'] as const;

const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;

function list(presetName: string | undefined): string {
  const table = new Table({ head: ['preset', 'frames', 'latent', 'UNet params', 'text params', 'VAE decoder params', 'cache branches', 'branch 0 feature'], style: { head: [], border: [] } });
  for (const preset of presetName ? [getPreset(presetName)] : Object.values(PRESETS)) {
    // Counting only: weights are declared, not drawn, so even sd15 lists instantly.
    const unet = buildUnetGraph(preset, { mode: 'full', cacheBranch: 0, chunks: null, frames: preset.frames, videos: TEXT_BATCH }, 0, false).parameterCount();
    const text = buildTextEncoderGraph(preset, 0, false).parameterCount();
    const vae = buildVaeDecoderGraph(preset, 1, 0, false).parameterCount();
    const feature = cacheFeatureShape(preset, { cacheBranch: 0, frames: preset.frames, videos: TEXT_BATCH });
    table.push([preset.name, preset.frames, `${preset.latentHeight}×${preset.latentWidth}`, millions(unet), millions(text), millions(vae), unetBranchCount(preset), `[${feature.join(', ')}]`]);
  }
  return `${table.toString()}\n${Object.values(PRESETS)
    .map((p) => `${p.name}: ${p.description}`)
    .join('\n')}`;
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { options } = parseCommandArguments('models', rest, MODELS_OPTIONS);
  if (options.help || !sub || sub === '--help') {
    process.stdout.write(`usage: lightbench models <${SUBCOMMANDS.join('|')}> [options]\n  list   presets with their sizes\n  build  build a preset's plain graphs into the model cache now\n\n${formatOptionsHelp(MODELS_OPTIONS)}\n`);
    return sub ? 0 : 2;
  }
  if (sub === 'list') {
    process.stdout.write(`${list(options.preset as string | undefined)}\n`);
    return 0;
  }
  if (sub === 'build') {
    const preset = getPreset((options.preset as string | undefined) ?? 'small');
    const modelDir = resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
    const paths = [
      await ensureModel(modelDir, preset, { component: 'text-encoder' }),
      await ensureModel(modelDir, preset, { component: 'unet', mode: 'full', cacheBranch: 0, chunks: null, frames: preset.frames, videos: TEXT_BATCH }),
      await ensureModel(modelDir, preset, { component: 'vae-decoder', frames: preset.frames }),
    ];
    process.stdout.write(`${paths.join('\n')}\n`);
    return 0;
  }
  throw new HarnessError('bad-arguments', `lightbench models: unknown subcommand "${sub}"; accepted: ${SUBCOMMANDS.join(', ')}`);
}
