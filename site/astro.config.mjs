// The report site. `lightbench report` builds it with Astro's API and passes base, outDir and the data file;
// run on its own (`npx astro build` in this folder) it reads LIGHTBENCH_SITE_DATA and LIGHTBENCH_SITE_BASE.
import { defineConfig } from 'astro/config';

export default defineConfig({
  base: process.env.LIGHTBENCH_SITE_BASE ?? '/',
  output: 'static',
  trailingSlash: 'ignore',
  build: { format: 'directory' },
  devToolbar: { enabled: false },
  // Pages are rendered from local data only; nothing is fetched or prefetched.
  prefetch: false,
});
