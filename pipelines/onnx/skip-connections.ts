import type { OnnxModel, TensorSignature } from './model-file.ts';
import { statedSignatures } from './model-file.ts';

/** What produced a skip tensor on the down path. */
export type SkipKind = 'conv_in' | 'layer' | 'downsampler';

/** One skip concatenation of a UNet's up path and the DeepCache cut point it offers. */
export interface SkipConnection {
  /** Up block (0 = deepest) and the layer in it, counted from the upsamplers between concatenations. */
  upBlock: number;
  layerInBlock: number;
  /** `up_blocks.<i>.resnets.<j>`: diffusers' name of the up layer that consumes the skip. */
  label: string;
  concatNode: string;
  /** The up-path feature entering that up layer: where DeepCache cuts. */
  cutTensor: string;
  skipTensor: string;
  skipKind: SkipKind;
  /** Position of the skip on the down path, 0 = conv_in (DeepCacheSDHelper's `cache_branch_id` for 2 layers per block). */
  skipIndex: number;
  /** lightbench's branch: the index of the down layer that produced the skip; null for conv_in and downsampler skips. */
  branch: number | null;
  /** Type and shape of the cut tensor when the file states them. */
  cutSignature: TensorSignature | null;
}

const DOWNSAMPLING_OPS = new Set(['AveragePool', 'MaxPool']);
const UPSAMPLING_OPS = new Set(['Resize', 'Upsample', 'ConvTranspose']);

function intsAttribute(node: onnxNode, name: string): number[] {
  const attribute = (node.attribute ?? []).find((a) => a.name === name);
  return (attribute?.ints ?? []).map(Number);
}

type onnxNode = NonNullable<NonNullable<OnnxModel['graph']>['node']>[number];

/**
 * Finds the skip concatenations of a diffusers-style UNet by structure alone, so it works on any exporter's names:
 * a two-input Concat whose second input is an ancestor of its first is an up layer joining the up-path feature
 * with a skip from the down path (no other concatenation in a UNet feeds on its own history that way). Results
 * are in up-path order.
 */
export function findSkipConnections(model: OnnxModel): SkipConnection[] {
  const nodes = model.graph!.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((node, index) => (node.output ?? []).forEach((name) => name && producer.set(name, index)));

  /** Walks back from `start` over nodes after position `floor`; calls `visit` on each node reached. */
  const walkBack = (start: string, floor: number, visit: (index: number) => boolean | void): boolean => {
    const stack = [start];
    const seen = new Set<number>();
    while (stack.length > 0) {
      const index = producer.get(stack.pop()!);
      if (index === undefined || index <= floor || seen.has(index)) continue;
      seen.add(index);
      if (visit(index) === true) return true;
      for (const input of nodes[index]!.input ?? []) if (input) stack.push(input);
    }
    return false;
  };

  const found: { index: number; cut: string; skip: string }[] = [];
  nodes.forEach((node, index) => {
    const inputs = (node.input ?? []).filter(Boolean);
    if (node.opType !== 'Concat' || inputs.length !== 2) return;
    const [cut, skip] = inputs as [string, string];
    const skipAt = producer.get(skip);
    if (skipAt === undefined || cut === skip) return;
    // The skip feeds the down path, which (through the mid block) leads back to the up-path feature.
    if (walkBack(cut, skipAt - 1, (i) => i === skipAt)) found.push({ index, cut, skip });
  });
  if (found.length === 0) return [];

  const skipOrder = [...found].sort((a, b) => producer.get(a.skip)! - producer.get(b.skip)!);
  const kindOf = new Map<string, SkipKind>();
  skipOrder.forEach(({ skip }, i) => {
    const node = nodes[producer.get(skip)!]!;
    const strided = node.opType === 'Conv' && intsAttribute(node, 'strides').some((s) => s > 1);
    if (strided || DOWNSAMPLING_OPS.has(node.opType ?? '')) kindOf.set(skip, 'downsampler');
    else kindOf.set(skip, i === 0 && node.opType === 'Conv' ? 'conv_in' : 'layer');
  });
  const skipIndex = new Map(skipOrder.map(({ skip }, i) => [skip, i]));
  const branchOf = new Map<string, number>();
  for (const { skip } of skipOrder) if (kindOf.get(skip) === 'layer') branchOf.set(skip, branchOf.size);

  const signatures = statedSignatures(model);
  let upBlock = 0;
  let layerInBlock = -1;
  return found.map((entry, k) => {
    if (k > 0) {
      const previous = found[k - 1]!.index;
      const upsampled = walkBack(entry.cut, previous, (i) => UPSAMPLING_OPS.has(nodes[i]!.opType ?? ''));
      if (upsampled) {
        upBlock += 1;
        layerInBlock = -1;
      }
    }
    layerInBlock += 1;
    return {
      upBlock,
      layerInBlock,
      label: `up_blocks.${upBlock}.resnets.${layerInBlock}`,
      concatNode: nodes[entry.index]!.name || `Concat@${entry.index}`,
      cutTensor: entry.cut,
      skipTensor: entry.skip,
      skipKind: kindOf.get(entry.skip)!,
      skipIndex: skipIndex.get(entry.skip)!,
      branch: branchOf.get(entry.skip) ?? null,
      cutSignature: signatures.get(entry.cut) ?? null,
    };
  });
}
