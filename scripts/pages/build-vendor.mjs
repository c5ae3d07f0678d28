/**
 * Bundles the browser libraries the agent desk loads into one ES module each,
 * under worker/public/vendor/ (gitignored): sip.js ships as ~150 ES modules
 * and the Worker's assets cannot follow a symlinked folder. Run by wrangler's
 * [build] step before `wrangler dev` / `wrangler deploy`; plain Node so it
 * needs nothing but the pinned esbuild that wrangler already brings.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

await build({
  entryPoints: [`${root}node_modules/sip.js/lib/index.js`],
  outfile: `${root}worker/public/vendor/sip.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'inline',
  logLevel: 'warning',
});
