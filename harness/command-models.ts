import { basename, extname, resolve } from 'node:path';
import Table from 'cli-table3';
import { loadDitManifest, manifestKind } from '../pipelines/models/dit-manifest.ts';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { PRESETS, getPreset } from '../pipelines/models/presets.ts';
import { DIT_PRESETS, getDitPreset } from '../pipelines/models/dit-presets.ts';
import { buildDitGraph, ditTokenShape } from '../pipelines/models/dit.ts';
import { cacheFeatureShape, unetBranchCount } from '../pipelines/models/unet.ts';
import { buildUnetGraph } from '../pipelines/models/unet.ts';
import { buildTextEncoderGraph } from '../pipelines/models/text-encoder.ts';
import { buildVaeDecoderGraph } from '../pipelines/models/vae-decoder.ts';
import { ensureDitPresetGraphs } from '../pipelines/models/dit-preset-manifest.ts';
import { ensureModel } from '../pipelines/models/model-store.ts';
import { TEXT_BATCH } from '../pipelines/models/text-encoder.ts';
import type { UserModelSource, UserModelTensor } from '../pipelines/models/types.ts';
import { checkExternalData } from '../pipelines/onnx/external-data.ts';
import { chunkGraph } from '../pipelines/onnx/graph-chunker.ts';
import { isDiffusersSchedulerConfig, translateDiffusersSchedulerConfig } from '../pipelines/schedulers/diffusers-scheduler-config.ts';
import { splitModelFile } from '../pipelines/onnx/graph-splitter.ts';
import type { SplitFiles } from '../pipelines/onnx/graph-splitter.ts';
import type { TensorSignature } from '../pipelines/onnx/model-file.ts';
import { ONNX_PROTO_IR_VERSION, defaultOpset, externalDataFiles, graphInputs, graphOutputs, parameterCount, readOnnxModel } from '../pipelines/onnx/model-file.ts';
import { findSkipConnections } from '../pipelines/onnx/skip-connections.ts';
import type { SkipConnection } from '../pipelines/onnx/skip-connections.ts';
import { unetBatch } from '../pipelines/user-conditioning.ts';
import { VARIANT_DEFAULTS } from '../pipelines/variants.ts';
import type { OptionSpecs } from './cli-arguments.ts';
import { formatOptionsHelp, integerOption, parseCommandArguments } from './cli-arguments.ts';
import { ditChunkPlanText } from './dit-chunk-plan.ts';
import { describeScheduler, formatDitManifest } from './format-dit-manifest.ts';
import { HarnessError } from './harness-error.ts';
import { NUMERIC_LIMITS } from './suite-config.ts';

/** Options of `lightbench models`. */
export const MODELS_OPTIONS: OptionSpecs = {
  preset: { type: 'string', help: 'list/build: preset to describe or build (default: all for list, small for build)' },
  frames: { type: 'string', help: 'build: latent frames of a DiT preset, as `run --frames` gives them (default: the preset\'s)' },
  cut: { type: 'string', help: 'split: name of the tensor to cut at (the up-path feature entering an up layer)' },
  branch: { type: 'string', help: 'split: cut at the feature paired with this skip branch (found in the graph, or in the manifest)' },
  out: { type: 'string', help: 'split: folder for <stem>.full-with-cache.onnx and <stem>.shallow.onnx' },
  dim: { type: 'string', multiple: true, help: 'split: NAME=SIZE for a symbolic input dimension, when the cut shape must be found by running the graph' },
  json: { type: 'boolean', help: 'inspect/split: print JSON instead of tables' },
  help: { type: 'boolean', help: 'show this help' },
};

const SUBCOMMANDS = ['list', 'build', 'inspect', 'split'] as const;

const USAGE = `usage: lightbench models <${SUBCOMMANDS.join('|')}> [options]
  list                  presets with their sizes (U-Net and diffusion-transformer presets)
  build                 build a preset's plain graphs into the model cache now (a DiT preset: all its graphs and its manifest)
  inspect FILE          an ONNX file: inputs, outputs, parameters, opset, IR and DeepCache cut points per skip branch;
                        a model manifest (.json/.yaml): validate it against its ONNX files
  split FILE --out DIR  (--cut TENSOR | --branch N): the full graph with cache_feature as an extra output, and the
                        shallow graph that reads it; FILE is a UNet .onnx or a model manifest`;

const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;
const shapeText = (shape: TensorSignature['shape']) => (shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : 'unknown');
const isManifest = (path: string) => ['.json', '.yaml', '.yml'].includes(extname(path).toLowerCase());

function list(presetName: string | undefined): string {
  if (presetName !== undefined && !(presetName in PRESETS) && !(presetName in DIT_PRESETS)) {
    throw new HarnessError('unknown-preset', `unknown preset "${presetName}"; accepted: ${[...Object.keys(PRESETS), ...Object.keys(DIT_PRESETS)].join(', ')}`);
  }
  const ditOnly = presetName !== undefined && presetName in DIT_PRESETS;
  const unetPresets = ditOnly ? [] : presetName ? [getPreset(presetName)] : Object.values(PRESETS);
  const ditPresets = ditOnly ? [getDitPreset(presetName)] : presetName ? [] : Object.values(DIT_PRESETS);
  const sections: string[] = [];
  if (unetPresets.length > 0) {
    const table = new Table({ head: ['preset', 'frames', 'latent', 'UNet params', 'text params', 'VAE decoder params', 'cache branches', 'branch 0 feature'], style: { head: [], border: [] } });
    for (const preset of unetPresets) {
      // Counting only: weights are declared, not drawn, so even sd15 lists instantly.
      const unet = buildUnetGraph(preset, { mode: 'full', cacheBranch: 0, chunks: null, frames: preset.frames, videos: TEXT_BATCH }, 0, false).parameterCount();
      const text = buildTextEncoderGraph(preset, 0, false).parameterCount();
      const vae = buildVaeDecoderGraph(preset, 1, 0, false).parameterCount();
      const feature = cacheFeatureShape(preset, { cacheBranch: 0, frames: preset.frames, videos: TEXT_BATCH });
      table.push([preset.name, preset.frames, `${preset.latentHeight}×${preset.latentWidth}`, millions(unet), millions(text), millions(vae), unetBranchCount(preset), `[${feature.join(', ')}]`]);
    }
    sections.push(table.toString(), ...unetPresets.map((p) => `${p.name}: ${p.description}`));
  }
  if (ditPresets.length > 0) {
    // Diffusion transformers: counted here; `run --preset` builds them with their text encoder and causal VAE.
    const table = new Table({ head: ['DiT preset', 'latent frames', 'latent', 'tokens', 'blocks', 'width (heads × dim)', 'text tokens × width', 'transformer params'], style: { head: [], border: [] } });
    for (const preset of ditPresets) {
      const t = preset.transformer;
      const params = buildDitGraph(preset, { mode: 'full', firstBlocks: 0, lastBlocks: 0, videos: 1 }, 0, false).parameterCount();
      const tokens = ditTokenShape(preset, 1)[1]!;
      table.push([preset.name, preset.frames, `${preset.latentHeight}×${preset.latentWidth}`, tokens, t.layers, `${t.heads * t.headDim} (${t.heads} × ${t.headDim})`, `${preset.textTokens} × ${t.textDim}`, millions(params)]);
    }
    sections.push(table.toString(), ...ditPresets.map((p) => `${p.name}: ${p.description}`));
  }
  return sections.join('\n');
}

/** What `models inspect` reports about one ONNX file. */
export interface ModelInspection {
  path: string;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  parameters: number;
  nodes: number;
  externalData: string[];
  skipConnections: SkipConnection[];
  notes: string[];
}

/** Reads an ONNX file's graph, checks its external data files hold every byte (without reading them), and finds its DeepCache cut points. */
export async function inspectModelFile(path: string): Promise<ModelInspection> {
  const model = await readOnnxModel(path);
  await checkExternalData(model, resolve(path));
  const irVersion = Number(model.irVersion ?? 0);
  const notes: string[] = [];
  if (irVersion > ONNX_PROTO_IR_VERSION) notes.push(`IR ${irVersion}: read with an IR ${ONNX_PROTO_IR_VERSION} schema; newer fields (node metadata) are ignored, the graph is complete`);
  const skipConnections = findSkipConnections(model);
  if (skipConnections.length === 0) notes.push('no skip concatenations found: not a UNet with diffusers-style skips, so no DeepCache cut points');
  return {
    path: resolve(path),
    irVersion,
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: Number(o.version) })),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs: graphInputs(model),
    outputs: graphOutputs(model),
    parameters: parameterCount(model),
    nodes: model.graph!.node?.length ?? 0,
    externalData: externalDataFiles(model),
    skipConnections,
    notes,
  };
}

const table = (head: string[]) => new Table({ head, style: { head: [], border: [] } });

export function formatInspection(inspection: ModelInspection): string {
  const lines = [
    inspection.path,
    `IR ${inspection.irVersion}, opset ${inspection.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}${inspection.producer ? `, produced by ${inspection.producer}` : ''}`,
    `${inspection.parameters.toLocaleString('en-US')} parameters, ${inspection.nodes} nodes${inspection.externalData.length ? `, external data: ${inspection.externalData.join(', ')}` : ''}`,
  ];
  const io = table(['', 'name', 'type', 'shape']);
  for (const t of inspection.inputs) io.push(['input', t.name, t.elementType, shapeText(t.shape)]);
  for (const t of inspection.outputs) io.push(['output', t.name, t.elementType, shapeText(t.shape)]);
  lines.push(io.toString());
  if (inspection.skipConnections.length > 0) {
    lines.push('DeepCache cut points (up path, deepest first): cut at "cut tensor" to cache the feature paired with that branch');
    const cuts = table(['up layer', 'cut tensor', 'shape', 'skip from', 'skip index', 'branch']);
    for (const c of inspection.skipConnections) {
      cuts.push([c.label, c.cutTensor, shapeText(c.cutSignature?.shape ?? null), `${c.skipKind} (${c.skipTensor})`, c.skipIndex, c.branch ?? '-']);
    }
    lines.push(cuts.toString());
  }
  lines.push(...inspection.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

function schedulerText(model: UserModelSource): string {
  const guidance = model.kind === 'image-to-video' && model.maxGuidanceScale !== null ? `${model.guidanceScale} → ${model.maxGuidanceScale} over frames` : `${model.guidanceScale}`;
  return `${describeScheduler(model.scheduler)}, guidance ${guidance}`;
}

/** For a scheduler given as a diffusers config: that it was translated, and the keys diffusers ignores too. */
function translationText(model: UserModelSource): string[] {
  const source = model.sourceScheduler?.config;
  if (!source || !isDiffusersSchedulerConfig(source)) return [];
  const { className, ignoredKeys } = translateDiffusersSchedulerConfig(source);
  return [`scheduler translated from diffusers ${className}${ignoredKeys.length ? `; ignored as from_config ignores them: ${ignoredKeys.join(', ')}` : ''}`];
}

/** What FME chunking would make of the UNet at the default chunk counts: regions by the rows they slice. */
async function chunkPlanText(model: UserModelSource): Promise<string> {
  const batchFrames = unetBatch(model) * model.latent.frames;
  try {
    const { regions } = chunkGraph(await readOnnxModel(model.unet.path), VARIANT_DEFAULTS.chunks, batchFrames);
    const spatial = regions.filter((r) => r.rows === batchFrames);
    const other = [...new Set(regions.filter((r) => r.rows !== batchFrames).map((r) => r.rows))];
    const covered = regions.reduce((sum, r) => sum + r.nodes, 0);
    return `FME chunking (${VARIANT_DEFAULTS.chunks.batchFrames}×${VARIANT_DEFAULTS.chunks.spatial}): ${spatial.length} regions over batch×frames rows (${batchFrames}), ${regions.length - spatial.length} over other rows (${other.join(', ') || 'none'}); ${covered} nodes chunked`;
  } catch (error) {
    return `FME chunking: ${(error as Error).message}`;
  }
}

async function formatManifest(model: UserModelSource): Promise<string> {
  const components = model.kind === 'text-to-video'
    ? { textEncoder: model.textEncoder, unet: model.unet, vaeDecoder: model.vaeDecoder }
    : { imageEncoder: model.imageEncoder, vaeEncoder: model.vaeEncoder, unet: model.unet, vaeDecoder: model.vaeDecoder };
  const rows = table(['component', 'file', 'role', 'tensor', 'shape']);
  for (const [name, component] of Object.entries(components)) {
    const tensors = [...Object.entries(component.inputs), ...Object.entries(component.outputs)] as [string, UserModelTensor][];
    for (const [role, tensor] of tensors) rows.push([name, basename(component.path), role, tensor.name, shapeText(tensor.shape)]);
  }
  const cuts = model.unet.cutPoints.map((c) => `  branch ${c.branch}: ${c.tensor.name} ${shapeText(c.tensor.shape)}`);
  const { latent } = model;
  return [
    `${model.manifestPath}: valid ${model.kind} manifest "${model.name}"`,
    `latent ${latent.channels}×${latent.frames}×${latent.height}×${latent.width} (${model.unet.sampleLayout}), scaling ${latent.scalingFactor}, ${schedulerText(model)}`,
    ...translationText(model),
    rows.toString(),
    cuts.length ? `DeepCache cut points:\n${cuts.join('\n')}` : 'no DeepCache cut points: the deepcache variant cannot run this model',
    await chunkPlanText(model),
  ].join('\n');
}

function parseDims(values: string[] | undefined): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const value of values ?? []) {
    const match = /^([^=]+)=(\d+)$/.exec(value);
    if (!match || Number(match[2]) < 1) throw new HarnessError('bad-arguments', `lightbench models split: --dim "${value}" is not accepted; expected NAME=SIZE with SIZE ≥ 1`);
    dims[match[1]!] = Number(match[2]);
  }
  return dims;
}

/** The UNet file and the tensor to cut at, from --cut, or --branch looked up in a manifest or the graph. */
async function resolveCut(file: string, cut: string | undefined, branch: number | undefined): Promise<{ unetPath: string; tensor: string }> {
  if ((cut === undefined) === (branch === undefined)) throw new HarnessError('bad-arguments', 'lightbench models split: give exactly one of --cut TENSOR and --branch N');
  if (isManifest(file)) {
    const model = await loadModelManifest(file);
    if (cut !== undefined) return { unetPath: model.unet.path, tensor: cut };
    const point = model.unet.cutPoints.find((p) => p.branch === branch);
    if (!point) throw new HarnessError('bad-arguments', `lightbench models split: ${file} lists no cut point for branch ${branch}; it lists: ${model.unet.cutPoints.map((p) => p.branch).join(', ') || 'none'}`);
    return { unetPath: model.unet.path, tensor: point.tensor.name };
  }
  if (cut !== undefined) return { unetPath: file, tensor: cut };
  const candidates = findSkipConnections(await readOnnxModel(file));
  const found = candidates.find((c) => c.branch === branch);
  if (!found) {
    const branches = candidates.filter((c) => c.branch !== null).map((c) => c.branch);
    throw new HarnessError('bad-arguments', `lightbench models split: ${file} has no skip branch ${branch}; found: ${branches.join(', ') || 'none (use --cut TENSOR)'}`);
  }
  return { unetPath: file, tensor: found.cutTensor };
}

function formatSplit(result: SplitFiles, tensor: string): string {
  const share = (a: number, b: number) => `${((100 * a) / b).toFixed(0)} %`;
  return [
    `cut at "${tensor}": cache_feature ${result.boundary.elementType} ${shapeText(result.boundary.shape)} (shape from ${result.boundarySource})`,
    `full with cache: ${result.fullPath}`,
    `shallow:         ${result.shallowPath} (${result.nodes.shallow} of ${result.nodes.full} nodes, ${share(result.parameters.shallow, result.parameters.full)} of the parameters)`,
    ...result.externalData.map((d) => `external data ${d.file}: ${d.how}`),
    ...result.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { options, positionals } = parseCommandArguments('models', rest, MODELS_OPTIONS, true);
  if (options.help || !sub || sub === '--help') {
    process.stdout.write(`${USAGE}\n\n${formatOptionsHelp(MODELS_OPTIONS)}\n`);
    return sub ? 0 : 2;
  }
  const needsFile = sub === 'inspect' || sub === 'split';
  if (needsFile && positionals.length !== 1) throw new HarnessError('bad-arguments', `lightbench models ${sub}: expected one FILE, got ${positionals.length}`);
  if (!needsFile && positionals.length > 0) throw new HarnessError('bad-arguments', `lightbench models ${sub}: unexpected argument "${positionals[0]}"`);
  if (sub === 'list') {
    process.stdout.write(`${list(options.preset as string | undefined)}\n`);
    return 0;
  }
  if (sub === 'build') {
    const presetName = (options.preset as string | undefined) ?? 'small';
    const modelDir = resolve(process.env.LIGHTBENCH_CACHE_DIR ?? '.lightbench-cache/models');
    if (presetName in DIT_PRESETS) {
      const dit = getDitPreset(presetName);
      const frames = integerOption('models build', 'frames', options.frames as string | undefined, NUMERIC_LIMITS.frames.min, NUMERIC_LIMITS.frames.max) ?? dit.frames;
      const graphs = await ensureDitPresetGraphs(modelDir, { ...dit, frames }, 'fused');
      process.stdout.write(`${Object.values(graphs).join('\n')}\n`);
      return 0;
    }
    const preset = getPreset(presetName);
    const paths = [
      await ensureModel(modelDir, preset, { component: 'text-encoder' }),
      await ensureModel(modelDir, preset, { component: 'unet', mode: 'full', cacheBranch: 0, chunks: null, frames: preset.frames, videos: TEXT_BATCH }),
      await ensureModel(modelDir, preset, { component: 'vae-decoder', frames: preset.frames }),
    ];
    process.stdout.write(`${paths.join('\n')}\n`);
    return 0;
  }
  const file = positionals[0]!;
  const json = options.json === true;
  if (sub === 'inspect') {
    if (isManifest(file) && (await manifestKind(file)) === 'text-to-video-dit') {
      const model = await loadDitManifest(file);
      process.stdout.write(`${json ? JSON.stringify(model, null, 2) : `${formatDitManifest(model)}\n${await ditChunkPlanText(model)}`}\n`);
      return 0;
    }
    if (isManifest(file)) {
      const model = await loadModelManifest(file);
      process.stdout.write(`${json ? JSON.stringify(model, null, 2) : await formatManifest(model)}\n`);
      return 0;
    }
    const inspection = await inspectModelFile(file);
    process.stdout.write(`${json ? JSON.stringify(inspection, null, 2) : formatInspection(inspection)}\n`);
    return 0;
  }
  if (sub === 'split') {
    const out = options.out as string | undefined;
    if (!out) throw new HarnessError('bad-arguments', 'lightbench models split: --out DIR is required');
    const branch = integerOption('models split', 'branch', options.branch as string | undefined, 0);
    const { unetPath, tensor } = await resolveCut(file, options.cut as string | undefined, branch);
    const result = await splitModelFile(unetPath, tensor, resolve(out), { dims: parseDims(options.dim as string[] | undefined) });
    process.stdout.write(`${json ? JSON.stringify({ cut: tensor, ...result }, null, 2) : formatSplit(result, tensor)}\n`);
    return 0;
  }
  throw new HarnessError('bad-arguments', `lightbench models: unknown subcommand "${sub}"; accepted: ${SUBCOMMANDS.join(', ')}`);
}
