import { constants } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { HarnessError } from '../harness-error.ts';
import { checkExternalData, externalDataPath } from './external-data.ts';
import { createSession, floatTensor, int64Tensor } from '../ort-backend.ts';
import type { OrtTensor } from '../ort-backend.ts';
import type { OnnxModel, TensorSignature } from './model-file.ts';
import {
  ONNX_PROTO_IR_VERSION,
  closestNames,
  encodeOnnxModel,
  externalDataFiles,
  graphInputs,
  modelStem,
  nodeOutputNames,
  parameterCount,
  readOnnxModel,
  statedSignatures,
  valueInfoOf,
} from './model-file.ts';

const { onnx } = onnxProto;

/** Name of the DeepCache feature: an extra output of the full graph, an extra input of the shallow one. */
export const CACHE_FEATURE = 'cache_feature';


/** Where the boundary tensor's type and shape came from. */
export type BoundarySource = 'value_info' | 'given' | 'zeros-run';

/** The two graphs of a DeepCache split and what the shallow one kept. */
export interface SplitGraphs {
  /** The full graph with the cut tensor also returned as `cache_feature`. */
  full: OnnxModel;
  /** The backward slice from the outputs with `cache_feature` as an input in place of the cut tensor. */
  shallow: OnnxModel;
  boundary: TensorSignature;
  nodes: { full: number; shallow: number };
  initializers: { full: number; shallow: number };
  parameters: { full: number; shallow: number };
  /** Things a user should know: fields the reader dropped, a cut that leaves work behind. */
  notes: string[];
}

/** The files a split wrote and how the boundary shape was found. */
export interface SplitFiles extends Omit<SplitGraphs, 'full' | 'shallow'> {
  fullPath: string;
  shallowPath: string;
  boundarySource: BoundarySource;
  /** External data files made available beside the outputs, and how. */
  externalData: { file: string; how: 'copy' | 'already there' }[];
}

export function cloneModel(model: OnnxModel): OnnxModel {
  return onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
}

/** Subgraphs held in a node's attributes (If/Loop/Scan bodies). */
function subgraphs(node: onnxProto.onnx.INodeProto): onnxProto.onnx.IGraphProto[] {
  const graphs: onnxProto.onnx.IGraphProto[] = [];
  for (const attribute of node.attribute ?? []) {
    if (attribute.g) graphs.push(attribute.g);
    graphs.push(...(attribute.graphs ?? []));
  }
  return graphs;
}

/** Every name a node reads, including outer-scope names its subgraphs read. */
export function namesRead(node: onnxProto.onnx.INodeProto, into: Set<string>): void {
  for (const input of node.input ?? []) if (input) into.add(input);
  for (const graph of subgraphs(node)) for (const inner of graph.node ?? []) namesRead(inner, into);
}

export function renameReads(node: onnxProto.onnx.INodeProto, from: string, to: string): void {
  node.input = (node.input ?? []).map((name) => (name === from ? to : name));
  for (const graph of subgraphs(node)) for (const inner of graph.node ?? []) renameReads(inner, from, to);
}

/** Keeps the nodes some output depends on, and the initializers and value_info they still use. */
export function backwardSlice(graph: onnxProto.onnx.IGraphProto): void {
  const needed = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const kept: onnxProto.onnx.INodeProto[] = [];
  const nodes = graph.node ?? [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!(node.output ?? []).some((name) => needed.has(name))) continue;
    kept.push(node);
    namesRead(node, needed);
  }
  graph.node = kept.reverse();
  // Older exporters also list initializers as graph inputs; a dropped one must not stay behind as a required input.
  const dropped = new Set((graph.initializer ?? []).map((t) => t.name ?? '').filter((name) => !needed.has(name)));
  graph.initializer = (graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? ''));
  graph.input = (graph.input ?? []).filter((i) => !dropped.has(i.name ?? ''));
  const produced = new Set(graph.node.flatMap((n) => n.output ?? []));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => produced.has(v.name ?? ''));
}

/**
 * Splits a UNet graph for DeepCache at `cutTensor`, the up-path feature entering the up layer paired with the
 * cached skip branch. The full graph gains the output `cache_feature` (the cut tensor, renamed, so nothing is
 * copied); the shallow graph reads `cache_feature` where the cut tensor was read and keeps only the nodes,
 * initializers and value_info the outputs still need. The shallow graph keeps every input of the full graph, so
 * both take the same feeds plus the feature. `boundary` overrides the cut tensor's stated type and shape.
 */
export function splitGraph(model: OnnxModel, cutTensor: string, boundary?: TensorSignature): SplitGraphs {
  const graph = model.graph!;
  const notes: string[] = [];
  const produced = nodeOutputNames(model);
  if (!produced.has(cutTensor)) {
    const inputs = new Set((graph.input ?? []).map((i) => i.name));
    const why = inputs.has(cutTensor) ? 'it is a graph input' : (graph.initializer ?? []).some((t) => t.name === cutTensor) ? 'it is an initializer' : 'no node produces it';
    throw new HarnessError('unknown-tensor', `cannot cut at "${cutTensor}": ${why}; closest tensor names: ${closestNames(cutTensor, produced).join(', ')}`);
  }
  if (produced.has(CACHE_FEATURE) || (graph.input ?? []).some((i) => i.name === CACHE_FEATURE)) {
    throw new HarnessError('bad-onnx-file', `the graph already has a tensor named "${CACHE_FEATURE}"`);
  }
  if ((graph.output ?? []).some((o) => o.name === cutTensor)) {
    throw new HarnessError('bad-cut', `cannot cut at "${cutTensor}": it is a graph output, not a feature inside the UNet`);
  }
  const irVersion = Number(model.irVersion ?? 0);
  if (irVersion > ONNX_PROTO_IR_VERSION && (model.functions ?? []).length > 0) {
    throw new HarnessError('unsupported-onnx', `IR ${irVersion} model with local functions: their IR ${irVersion} fields (overloads) cannot be carried by an IR ${ONNX_PROTO_IR_VERSION} reader; export with functions inlined`);
  }
  if (irVersion > ONNX_PROTO_IR_VERSION) {
    notes.push(`IR ${irVersion} model: fields newer than IR ${ONNX_PROTO_IR_VERSION} (node and value metadata) are not carried over; the graph itself is`);
  }
  const stated = boundary ?? statedSignatures(model).get(cutTensor);
  if (!stated || !stated.shape) {
    throw new HarnessError('missing-shape', `the graph states no shape for "${cutTensor}"; give the boundary signature (splitModelFile finds it by running the graph once)`);
  }
  const signature: TensorSignature = { ...stated, name: CACHE_FEATURE };

  const full = cloneModel(model);
  const fullGraph = full.graph!;
  for (const node of fullGraph.node ?? []) {
    node.output = (node.output ?? []).map((name) => (name === cutTensor ? CACHE_FEATURE : name));
    renameReads(node, cutTensor, CACHE_FEATURE);
  }
  fullGraph.valueInfo = (fullGraph.valueInfo ?? []).filter((v) => v.name !== cutTensor);
  fullGraph.output = [...(fullGraph.output ?? []), valueInfoOf(signature)];

  const shallow = cloneModel(model);
  const shallowGraph = shallow.graph!;
  for (const node of shallowGraph.node ?? []) renameReads(node, cutTensor, CACHE_FEATURE);
  shallowGraph.input = [...(shallowGraph.input ?? []), valueInfoOf(signature)];
  backwardSlice(shallowGraph);
  if ((shallowGraph.node ?? []).some((n) => (n.output ?? []).includes(cutTensor))) {
    notes.push(`the node producing "${cutTensor}" is still needed by the outputs through another path: the shallow graph does not skip the deep layers`);
  }
  const counts = { full: fullGraph.node?.length ?? 0, shallow: shallowGraph.node?.length ?? 0 };
  if (counts.shallow >= counts.full) notes.push(`the shallow graph keeps all ${counts.full} nodes: "${cutTensor}" is not a cut through the UNet`);
  return {
    full,
    shallow,
    boundary: signature,
    nodes: counts,
    initializers: { full: fullGraph.initializer?.length ?? 0, shallow: shallowGraph.initializer?.length ?? 0 },
    parameters: { full: parameterCount(full), shallow: parameterCount(shallow) },
    notes,
  };
}

function zerosFor(input: TensorSignature, dims: Record<string, number>): OrtTensor {
  const shape = (input.shape ?? []).map((d) => (typeof d === 'number' ? d : typeof d === 'string' && dims[d] !== undefined ? dims[d]! : 1));
  const count = shape.reduce((a, b) => a * b, 1);
  if (input.elementType === 'float32') return floatTensor(new Float32Array(count), shape);
  if (input.elementType === 'int64') return int64Tensor(new BigInt64Array(count), shape);
  throw new HarnessError('missing-shape', `cannot feed zeros to input "${input.name}" of type ${input.elementType} to find the cut tensor's shape; state its shape in the graph's value_info`);
}

/**
 * The cut tensor's type and shape found by running the graph once on zeros with the tensor as an extra output.
 * Static inputs give a static shape; when an input has symbolic dimensions (fed as `dims` says, 1 otherwise) only
 * the rank is kept, with every dimension left symbolic, since the measured sizes hold for those sizes only.
 */
async function measureBoundary(model: OnnxModel, cutTensor: string, scratchPath: string, dims: Record<string, number>): Promise<TensorSignature> {
  const probe = cloneModel(model);
  probe.graph!.output = [onnx.ValueInfoProto.create({ name: cutTensor })];
  await writeFile(scratchPath, encodeOnnxModel(probe));
  const inputs = graphInputs(model);
  const session = await createSession({
    path: scratchPath,
    executionProvider: 'cpu',
    settings: { cpuMemArena: false, memPattern: false, graphOptimizationLevel: 'basic', intraOpThreads: 0, interOpThreads: 0, fuseAttention: false },
  });
  try {
    const feeds = Object.fromEntries(inputs.map((input) => [input.name, zerosFor(input, dims)]));
    const tensor = (await session.run(feeds, [cutTensor]))[cutTensor]!;
    const symbolic = inputs.some((input) => (input.shape ?? []).some((d) => typeof d !== 'number'));
    const elementType = tensor.type === 'float32' ? 'float32' : tensor.type;
    return { name: CACHE_FEATURE, elementType, shape: symbolic ? tensor.dims.map((_, i) => `${CACHE_FEATURE}_dim_${i}`) : [...tensor.dims] };
  } finally {
    await session.release();
  }
}

/**
 * External data files of the source model copied into `outDir` under the same relative names, so the references
 * in the written graphs stay valid. A copy, not a hard link: onnx.load refuses hard-linked data (it cannot tell one
 * from a link planted to read another file), and a copy cannot change when the source is replaced. Where the file
 * system can share blocks (reflink), the copy takes no space.
 */
export async function provideExternalData(model: OnnxModel, sourcePath: string, outDir: string): Promise<SplitFiles['externalData']> {
  await checkExternalData(model, sourcePath);
  const provided: SplitFiles['externalData'] = [];
  for (const file of externalDataFiles(model)) {
    const source = externalDataPath(file, dirname(sourcePath), sourcePath, file);
    const target = join(outDir, normalize(file));
    if (resolve(source) === resolve(target)) {
      provided.push({ file, how: 'already there' });
      continue;
    }
    // A copy made after the source was last written is that source's copy (a replaced source has a newer time).
    const [from, to] = await Promise.all([stat(source), stat(target).catch(() => null)]);
    if (to && to.size === from.size && to.mtimeMs >= from.mtimeMs) {
      provided.push({ file, how: 'already there' });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${process.pid}`;
    await copyFile(source, temporary, constants.COPYFILE_FICLONE);
    await rename(temporary, target);
    provided.push({ file, how: 'copy' });
  }
  return provided;
}

/** Options of a file split. */
export interface SplitFileOptions {
  /** The boundary's type and shape when the file states none and running the graph is not wanted. */
  boundary?: TensorSignature;
  /** Sizes for symbolic input dimensions when the graph runs once to find the boundary shape (default 1). */
  dims?: Record<string, number>;
}

/** Where splitModelFile writes the two graphs of the model at `path`. */
export function splitFilePaths(path: string, outDir: string): { fullPath: string; shallowPath: string } {
  const stem = modelStem(path);
  return { fullPath: join(outDir, `${stem}.full-with-cache.onnx`), shallowPath: join(outDir, `${stem}.shallow.onnx`) };
}

/**
 * Splits the model at `path` into `<stem>.full-with-cache.onnx` and `<stem>.shallow.onnx` in `outDir`. The cut
 * tensor's type and shape come from the file's value_info, else from `options.boundary`, else from one run of the
 * graph on zeros. External data is checked and copied into `outDir`, so the outputs open on their own (onnx.load included).
 */
export async function splitModelFile(path: string, cutTensor: string, outDir: string, options: SplitFileOptions = {}): Promise<SplitFiles> {
  const model = await readOnnxModel(path);
  await mkdir(outDir, { recursive: true });
  if (!nodeOutputNames(model).has(cutTensor)) splitGraph(model, cutTensor); // throws the error that names the tensor
  // Copied first: the probe run below loads its graph from outDir too.
  const externalData = await provideExternalData(model, path, outDir);
  let boundary = options.boundary;
  let boundarySource: BoundarySource = options.boundary ? 'given' : 'value_info';
  if (!boundary && !statedSignatures(model).get(cutTensor)?.shape) {
    const scratch = join(outDir, `.${modelStem(path)}.probe-${process.pid}.onnx`);
    try {
      boundary = await measureBoundary(model, cutTensor, scratch, options.dims ?? {});
    } finally {
      await rm(scratch, { force: true });
    }
    boundarySource = 'zeros-run';
  }
  const split = splitGraph(model, cutTensor, boundary);
  const { fullPath, shallowPath } = splitFilePaths(path, outDir);
  for (const [target, graph] of [
    [fullPath, split.full],
    [shallowPath, split.shallow],
  ] as const) {
    const temporary = `${target}.tmp-${process.pid}`;
    await writeFile(temporary, encodeOnnxModel(graph));
    await rename(temporary, target);
  }
  const { full: _full, shallow: _shallow, ...rest } = split;
  return { ...rest, fullPath, shallowPath, boundarySource, externalData };
}
