import { readFileSync } from 'node:fs';
import type { SiteData } from '../../../reports/types.ts';

const loaded = new Map<string, SiteData>();

/** The generated data file named by LIGHTBENCH_SITE_DATA, read once per path for all pages of a build. */
export function siteData(): SiteData {
  const path = process.env.LIGHTBENCH_SITE_DATA;
  if (!path) throw new Error('LIGHTBENCH_SITE_DATA is not set: it must name the site data file that `lightbench report` generates');
  let data = loaded.get(path);
  if (!data) {
    data = JSON.parse(readFileSync(path, 'utf8')) as SiteData;
    if (data.siteDataVersion !== 2) throw new Error(`${path}: siteDataVersion ${String(data.siteDataVersion)} is not 2; rebuild it with this version's \`lightbench report\``);
    loaded.set(path, data);
  }
  return data;
}
