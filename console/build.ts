/**
 * Builds the web console into dist/console: one bundle of the TypeScript sources with Preact and
 * uPlot (no CDN: everything the browser loads is served by the collector), file names with a
 * content hash so the collector can let browsers cache them for good, and index.html naming them.
 * Run by `npm run build` after the console's type check.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const here = import.meta.dirname;
const outDir = resolve(here, '../dist/console');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const result = await build({
  entryPoints: [join(here, 'main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: outDir,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((file) => file.endsWith('.js'));
const style = outputs.find((file) => file.endsWith('.css'));
if (script === undefined || style === undefined) throw new Error(`console build made no script or style: ${outputs.join(', ')}`);
const html = readFileSync(join(here, 'index.html'), 'utf8').replace('%SCRIPT%', `/${script}`).replace('%STYLE%', `/${style}`);
writeFileSync(join(outDir, 'index.html'), html);
console.log(`console built: ${outputs.filter((f) => !f.endsWith('.map')).join(', ')}`);
