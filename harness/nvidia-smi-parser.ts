import type {
  GpuDescription,
  GpuDescriptionLineParse,
  GpuLineParse,
  GpuProcessLineParse,
  GpuReading,
} from './types.ts';

/** Fields of the sampling query, in the order the sampler asks for them. */
export const GPU_SAMPLE_FIELDS = [
  'timestamp',
  'uuid',
  'memory.used',
  'memory.total',
  'utilization.gpu',
  'power.draw',
] as const;

/** Fields of the one-off metadata query. */
export const GPU_METADATA_FIELDS = ['index', 'uuid', 'name', 'memory.total', 'driver_version'] as const;

/** Fields of the per-process query (`used_memory` is nvidia-smi's alias of `used_gpu_memory`). */
export const GPU_PROCESS_FIELDS = ['gpu_uuid', 'pid', 'used_memory'] as const;

const MIB = 1024 * 1024;

/** How nvidia-smi spells "no value"; each is a reason, never a zero. */
const PLACEHOLDER = /^\[[^\]]*\]$|^N\/A$/;

type Cell = { status: 'value'; text: string } | { status: 'absent'; reason: string };

/** Splits a CSV line the way nvidia-smi writes it: ", " between fields, no quoting. */
export function splitNvidiaSmiCsv(line: string): string[] {
  return line.split(',').map((cell) => cell.trim());
}

/** Turns a header such as `memory.used [MiB]` into its field name `memory.used`. */
export function parseNvidiaSmiHeader(line: string): string[] {
  return splitNvidiaSmiCsv(line).map((cell) => cell.replace(/\s*\[[^\]]*\]$/, ''));
}

function cell(raw: string | undefined): Cell {
  if (raw === undefined) return { status: 'absent', reason: 'field not in the query' };
  if (raw === '') return { status: 'absent', reason: 'nvidia-smi printed an empty field' };
  if (PLACEHOLDER.test(raw)) return { status: 'absent', reason: `nvidia-smi printed ${raw}` };
  return { status: 'value', text: raw };
}

/** A number, with the unit nvidia-smi prints when `nounits` is not given stripped. */
function numberCell(raw: string | undefined, unit: string): Cell & { value?: number } {
  const c = cell(raw);
  if (c.status === 'absent') return c;
  const text = c.text.endsWith(` ${unit}`) ? c.text.slice(0, -unit.length - 1) : c.text;
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    return { status: 'absent', reason: `not a number: ${JSON.stringify(c.text)}` };
  }
  return { status: 'value', text, value };
}

/** nvidia-smi's `YYYY/MM/DD HH:MM:SS.mmm`, read as the machine's local time. */
export function parseNvidiaSmiTimestamp(text: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  const date = new Date(n(1), n(2) - 1, n(3), n(4), n(5), n(6), ms);
  // Date rolls 2026/13/40 over into a valid day; nvidia-smi never prints that, so it is not a timestamp.
  if (date.getMonth() !== n(2) - 1 || date.getDate() !== n(3) || n(4) > 23 || n(5) > 59 || n(6) > 60) return undefined;
  return date.getTime();
}

function fieldMap(line: string, fields: readonly string[]): Map<string, string> | string {
  const cells = splitNvidiaSmiCsv(line);
  if (cells.length !== fields.length) {
    return `expected ${fields.length} fields (${fields.join(', ')}), found ${cells.length}`;
  }
  return new Map(fields.map((f, i) => [f, cells[i]!]));
}

function uuidOf(raw: string | undefined): string | undefined {
  const c = cell(raw);
  return c.status === 'value' && /^(GPU|MIG)-[0-9A-Za-z-]+$/.test(c.text) ? c.text : undefined;
}

/** Parses one line of the sampling query; a line it cannot read comes back tagged `malformed`, never thrown. */
export function parseGpuSampleLine(
  line: string,
  fields: readonly string[] = GPU_SAMPLE_FIELDS,
): GpuLineParse {
  if (line.trim() === '') return { status: 'malformed', line, reason: 'empty line' };
  const map = fieldMap(line, fields);
  if (typeof map === 'string') return { status: 'malformed', line, reason: map };
  const uuid = uuidOf(map.get('uuid'));
  if (uuid === undefined) {
    return { status: 'malformed', line, reason: `no GPU UUID in ${JSON.stringify(map.get('uuid') ?? '')}` };
  }
  const reading: GpuReading = { uuid, absent: {} };
  const ts = cell(map.get('timestamp'));
  if (ts.status === 'value') {
    const epochMs = parseNvidiaSmiTimestamp(ts.text);
    if (epochMs === undefined) {
      return { status: 'malformed', line, reason: `unreadable timestamp ${JSON.stringify(ts.text)}` };
    }
    reading.smiTimestamp = ts.text;
    reading.smiEpochMs = epochMs;
  } else {
    reading.absent.smiTimestamp = ts.reason;
  }
  const used = numberCell(map.get('memory.used'), 'MiB');
  if (used.value !== undefined) reading.usedBytes = used.value * MIB;
  else if (used.status === 'absent') reading.absent.usedBytes = used.reason;
  const total = numberCell(map.get('memory.total'), 'MiB');
  if (total.value !== undefined) reading.totalBytes = total.value * MIB;
  else if (total.status === 'absent') reading.absent.totalBytes = total.reason;
  const util = numberCell(map.get('utilization.gpu'), '%');
  if (util.value !== undefined) reading.utilizationPct = util.value;
  else if (util.status === 'absent') reading.absent.utilizationPct = util.reason;
  const power = numberCell(map.get('power.draw'), 'W');
  if (power.value !== undefined) reading.powerW = power.value;
  else if (power.status === 'absent') reading.absent.powerW = power.reason;
  return { status: 'ok', reading };
}

/** Parses every non-empty line of a sampling-query output. */
export function parseGpuSampleOutput(
  text: string,
  fields: readonly string[] = GPU_SAMPLE_FIELDS,
): GpuLineParse[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => parseGpuSampleLine(l, fields));
}

/** Parses one line of `--query-compute-apps=gpu_uuid,pid,used_memory`. */
export function parseGpuProcessLine(
  line: string,
  fields: readonly string[] = GPU_PROCESS_FIELDS,
): GpuProcessLineParse {
  if (line.trim() === '') return { status: 'malformed', line, reason: 'empty line' };
  const map = fieldMap(line, fields);
  if (typeof map === 'string') return { status: 'malformed', line, reason: map };
  const uuid = uuidOf(map.get('gpu_uuid'));
  if (uuid === undefined) return { status: 'malformed', line, reason: 'no GPU UUID' };
  const pidText = map.get('pid') ?? '';
  if (!/^\d+$/.test(pidText)) {
    return { status: 'malformed', line, reason: `pid is not a number: ${JSON.stringify(pidText)}` };
  }
  const used = numberCell(map.get('used_memory') ?? map.get('used_gpu_memory'), 'MiB');
  return {
    status: 'ok',
    reading:
      used.value !== undefined
        ? { uuid, pid: Number(pidText), usedBytes: used.value * MIB, absent: {} }
        : { uuid, pid: Number(pidText), absent: { usedBytes: used.status === 'absent' ? used.reason : 'unknown' } },
  };
}

/** Parses every non-empty line of a per-process query output (no lines: no compute process). */
export function parseGpuProcessOutput(text: string): GpuProcessLineParse[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => parseGpuProcessLine(l));
}

/** Parses one line of the metadata query `index,uuid,name,memory.total,driver_version`. */
export function parseGpuMetadataLine(line: string): GpuDescriptionLineParse {
  if (line.trim() === '') return { status: 'malformed', line, reason: 'empty line' };
  const cells = splitNvidiaSmiCsv(line);
  // A product name may itself hold a comma; the fields around it are fixed.
  if (cells.length < GPU_METADATA_FIELDS.length) {
    return { status: 'malformed', line, reason: `expected ${GPU_METADATA_FIELDS.length} fields, found ${cells.length}` };
  }
  const [indexText, uuidText] = cells;
  const driverText = cells[cells.length - 1]!;
  const totalText = cells[cells.length - 2]!;
  const name = cells.slice(2, cells.length - 2).join(', ');
  if (!/^\d+$/.test(indexText!)) return { status: 'malformed', line, reason: 'index is not a number' };
  const uuid = uuidOf(uuidText);
  if (uuid === undefined) return { status: 'malformed', line, reason: 'no GPU UUID' };
  const gpu: GpuDescription = { index: Number(indexText), uuid, name, absent: {} };
  const total = numberCell(totalText, 'MiB');
  if (total.value !== undefined) gpu.memoryTotalBytes = total.value * MIB;
  else if (total.status === 'absent') gpu.absent.memoryTotalBytes = total.reason;
  const driver = cell(driverText);
  if (driver.status === 'value') gpu.driver = driver.text;
  else gpu.absent.driver = driver.reason;
  return { status: 'ok', gpu };
}

/** Parses every non-empty line of the metadata query output. */
export function parseGpuMetadataOutput(text: string): GpuDescriptionLineParse[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map(parseGpuMetadataLine);
}
