import type { OnnxModel } from './model-file.ts';

// Operators that carry token ids to the embedding lookup unchanged in value (exporters reshape or cast them first).
const PASS_THROUGH = new Set(['Reshape', 'Cast', 'Squeeze', 'Unsqueeze', 'Identity', 'Flatten']);

/** The embedding table a graph input of token ids indexes: its initializer's name and row count. */
export interface TokenEmbedding {
  table: string;
  rows: number;
}

/**
 * The table that `inputName`'s ids are looked up in: the first Gather (axis 0) reading the ids, directly or through
 * reshapes and casts, from an initializer or constant. Null when the graph looks ids up some other way.
 */
export function tokenEmbedding(model: OnnxModel, inputName: string): TokenEmbedding | null {
  const graph = model.graph!;
  const tables = new Map<string, number>();
  for (const init of graph.initializer ?? []) if (init.dims?.length) tables.set(init.name ?? '', Number(init.dims[0]));
  for (const node of graph.node ?? []) {
    const value = node.opType === 'Constant' ? node.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (value?.dims?.length) tables.set(node.output?.[0] ?? '', Number(value.dims[0]));
  }
  const ids = new Set([inputName]);
  for (const node of graph.node ?? []) {
    const inputs = node.input ?? [];
    if (PASS_THROUGH.has(node.opType ?? '') && ids.has(inputs[0] ?? '')) for (const output of node.output ?? []) ids.add(output);
    const axis = Number(node.attribute?.find((a) => a.name === 'axis')?.i ?? 0);
    if (node.opType === 'Gather' && axis === 0 && ids.has(inputs[1] ?? '') && tables.has(inputs[0] ?? '')) {
      return { table: inputs[0]!, rows: tables.get(inputs[0]!)! };
    }
  }
  return null;
}
