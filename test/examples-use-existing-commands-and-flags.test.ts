import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { OptionSpecs } from '../harness/cli-arguments.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The flags of `lightbench run` that examples may rely on: the run command's published contract. */
const RUN_CONTRACT = [
  'suite', 'preset', 'model', 'variants', 'steps', 'frames', 'seed', 'prompt', 'negative-prompt', 'guidance-scale', 'scheduler',
  'device', 'warmup', 'repeats', 'sample-interval', 'profile', 'out', 'save-frames', 'cache-interval', 'cache-branch', 'schedule',
  'center', 'power', 'chunks', 'slice-frames', 'cpu-mem-arena', 'mem-pattern', 'graph-opt', 'intra-op-threads', 'inter-op-threads',
  'mmap-threshold', 'shard', 'max-rss', 'no-progress', 'help',
];

interface Invocation {
  file: string;
  command: string;
  args: string[];
}

/** Every string value of the YAML documents (run: blocks, args: lists, --wrap strings …). */
function yamlStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(yamlStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(yamlStrings);
  return [];
}

/**
 * Finds `lightbench <command> …`, `npx lightbench …` and `…/bin/lightbench.js <command> …` in shell text.
 * Backslash-newline continues a line. Arguments are split as a shell would (quotes group, and are
 * removed); a command ends at an unquoted `;`, `&`, `|`, `>`, `<` or `)`, at a quote that the text
 * never closes (the end of an enclosing string), or at the end of the line.
 */
function invocations(file: string, text: string): Invocation[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const found: Invocation[] = [];
  for (const line of joined.split(/\r?\n/)) {
    const pattern = /(?:^|[\s;&|(])(?:\S*\/)?lightbench(?:\.js)?\s+([a-z][a-z-]*)/g;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(line)) !== null) {
      found.push({ file, command: match[1]!, args: shellWords(line.slice(match.index + match[0].length)) });
    }
  }
  return found;
}

function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) break;
      word = (word ?? '') + text.slice(i + 1, close);
      i = close;
    } else if (';&|<>)'.includes(c)) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

async function commandTable(): Promise<string[]> {
  const source = await readFile(`${root}harness/cli.ts`, 'utf8');
  const block = /const COMMANDS[\s\S]*?=\s*\{\n([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
  return [...block.matchAll(/^\s{2}([a-z][a-z-]*):\s*\{/gm)].map((m) => m[1]!);
}

/** A command's option specs: every command module exports them as `<COMMAND>_OPTIONS`. */
async function optionNames(command: string): Promise<string[]> {
  const module = (await import(`${root}harness/command-${command}.ts`)) as Record<string, unknown>;
  const exported = module[`${command.toUpperCase().replace(/-/g, '_')}_OPTIONS`] as OptionSpecs | undefined;
  if (!exported) throw new Error(`harness/command-${command}.ts exports no ${command.toUpperCase()}_OPTIONS`);
  return Object.keys(exported);
}

async function exampleInvocations(): Promise<Invocation[]> {
  const all: Invocation[] = [];
  for (const file of ['examples/github-actions/lightbench.yml', 'examples/kubernetes/lightbench-indexed-job.yaml']) {
    const docs = parseAllDocuments(await readFile(`${root}${file}`, 'utf8'));
    for (const doc of docs) {
      expect(doc.errors, `${file} parses as YAML`).toEqual([]);
      for (const text of yamlStrings(doc.toJS())) all.push(...invocations(file, text));
    }
  }
  const sbatch = 'examples/slurm/lightbench-array.sbatch';
  const script = (await readFile(`${root}${sbatch}`, 'utf8'))
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  all.push(...invocations(sbatch, script));
  return all;
}

describe('examples', () => {
  it('reference only commands in the CLI command table, with flags those commands accept', async () => {
    const commands = await commandTable();
    expect(commands).toEqual(expect.arrayContaining(['run', 'compare', 'merge', 'history', 'export', 'report']));
    const found = await exampleInvocations();
    const byFile = new Map<string, Set<string>>();
    for (const i of found) byFile.set(i.file, (byFile.get(i.file) ?? new Set()).add(i.command));
    // Each example shards a run and merges it; the workflow also compares, files history, exports and builds the site.
    expect([...byFile.get('examples/github-actions/lightbench.yml')!].sort()).toEqual(['compare', 'export', 'history', 'merge', 'report', 'run']);
    expect([...byFile.get('examples/slurm/lightbench-array.sbatch')!].sort()).toEqual(['merge', 'run']);
    expect([...byFile.get('examples/kubernetes/lightbench-indexed-job.yaml')!].sort()).toEqual(['export', 'merge', 'run']);

    const specs = new Map<string, string[]>();
    for (const command of new Set(found.map((i) => i.command))) {
      expect(commands, `"lightbench ${command}" is in harness/cli.ts's command table`).toContain(command);
      specs.set(command, command === 'run' ? RUN_CONTRACT : await optionNames(command));
    }
    for (const { file, command, args } of found) {
      for (const arg of args.filter((a) => a.startsWith('--'))) {
        const flag = arg.slice(2).split('=')[0]!;
        expect(specs.get(command), `${file}: lightbench ${command} --${flag}`).toContain(flag);
      }
    }
  });

  it('pass literal --format values that the command accepts', async () => {
    let checked = 0;
    for (const { file, command, args } of await exampleInvocations()) {
      for (let i = 0; i < args.length; i++) {
        if (args[i] !== '--format' || args[i + 1]!.includes('$')) continue;
        const module = (await import(`${root}harness/command-${command}.ts`)) as Record<string, OptionSpecs>;
        const choices = module[`${command.toUpperCase()}_OPTIONS`]?.format?.choices ?? [];
        expect(choices, `${file}: lightbench ${command} --format ${args[i + 1]}`).toContain(args[i + 1]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('shard by the scheduler index, 1-based on the command line', async () => {
    const found = await exampleInvocations();
    const shardOf = (file: string) => {
      const run = found.find((i) => i.file === file && i.command === 'run')!;
      return run.args[run.args.indexOf('--shard') + 1];
    };
    expect(shardOf('examples/slurm/lightbench-array.sbatch')).toBe('$((SLURM_ARRAY_TASK_ID + 1))/${SLURM_ARRAY_TASK_COUNT}');
    expect(shardOf('examples/kubernetes/lightbench-indexed-job.yaml')).toBe('$((JOB_COMPLETION_INDEX + 1))/$SHARD_COUNT');
    expect(shardOf('examples/github-actions/lightbench.yml')).toBe('${{ matrix.shard }}/$SHARD_COUNT');
  });
});
