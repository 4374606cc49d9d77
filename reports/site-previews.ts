import { createHash } from 'node:crypto';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { VariantOk } from '../harness/results-schema.ts';
import type { SiteAssetCopy, SitePreviews } from './types.ts';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.webp']);
/** A folder of runs whose previews were deleted would otherwise bury the index page in warnings. */
const MAX_WARNINGS = 50;

/** Collects the image files a site copies, each source once, under a name that reveals no local path. */
export class PreviewAssets {
  readonly copies = new Map<string, SiteAssetCopy>();
  private readonly problems: string[] = [];
  private problemCount = 0;

  constructor(private readonly fileExists: (path: string) => boolean) {}

  /**
   * Site paths of a variant's preview images. Paths are relative to the results file; one that leaves the
   * results file's directory, is not an image, or does not exist is listed in `missing` and warned about,
   * so a report never publishes an arbitrary local file nor links to a file it does not have.
   */
  previewsOf(resultsFile: string, v: VariantOk): SitePreviews | null {
    if (!v.previews) return null;
    const dir = resolve(dirname(resultsFile));
    const missing: string[] = [];
    const place = (path: string | undefined): string | null => {
      if (path === undefined) return null;
      const from = resolve(dir, path);
      const inside = relative(dir, from);
      const ext = extname(from).toLowerCase();
      let problem: string | null = null;
      if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) problem = 'is outside the results directory';
      else if (!IMAGE_EXTENSIONS.has(ext)) problem = `is not an image (${[...IMAGE_EXTENSIONS].join(', ')})`;
      else if (!this.fileExists(from)) problem = 'does not exist';
      if (problem) {
        missing.push(path);
        this.problemCount++;
        if (this.problems.length < MAX_WARNINGS) this.problems.push(`${resultsFile}: ${v.model} / ${v.variant.name}: preview ${JSON.stringify(path)} ${problem}; not shown`);
        return null;
      }
      const known = this.copies.get(from);
      if (known) return known.to;
      const to = `previews/${createHash('sha256').update(from).digest('hex').slice(0, 16)}${ext}`;
      this.copies.set(from, { from, to });
      return to;
    };
    const { first, middle, last, diffHeatmap } = v.previews;
    return { first: place(first), middle: place(middle), last: place(last), diffHeatmap: place(diffHeatmap), missing };
  }

  /** The first problems found, and how many more there were. */
  get warnings(): string[] {
    const more = this.problemCount - this.problems.length;
    return more > 0 ? [...this.problems, `… and ${more} more preview problems`] : [...this.problems];
  }
}
