import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadModelManifest } from '../pipelines/models/model-manifest.ts';
import { USER_MODEL_FIXTURES, writeManifestVariant } from './fixtures/user-model-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'lightbench-yaml-manifest-'));

describe('a model manifest written as YAML', () => {
  it.each(USER_MODEL_FIXTURES)('%s: loads to the same model as its JSON', async (fixture) => {
    const jsonPath = writeManifestVariant(fixture, dir, () => {});
    const yamlPath = jsonPath.replace(/\.json$/, '.yaml');
    writeFileSync(yamlPath, `# ${fixture}\n${stringify(JSON.parse(readFileSync(jsonPath, 'utf8')))}`);
    const fromJson = await loadModelManifest(jsonPath);
    const fromYaml = await loadModelManifest(yamlPath);
    expect(fromYaml.manifestPath).toBe(yamlPath);
    expect({ ...fromYaml, manifestPath: '' }).toEqual({ ...fromJson, manifestPath: '' });
  });
});
