// Builds NANO: host code with tsc into dist/, and the guest runtime (the code that runs inside
// every isolate) with esbuild into one script, dist/guest/runtime.js.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = `${root}node_modules/typescript/bin/tsc`;

// Type-check the guest under its own config ("types": [] so Node globals do not compile there).
execFileSync(process.execPath, [tsc, '-p', 'src/runtime-guest/tsconfig.json'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });

const result = await build({
  entryPoints: [`${root}src/runtime-guest/index.ts`],
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  target: 'es2024',
  minify: true,
  keepNames: false,
  legalComments: 'none',
  write: false,
  metafile: true,
});
mkdirSync(`${root}dist/guest`, { recursive: true });
const code = result.outputFiles[0].text;
writeFileSync(`${root}dist/guest/runtime.js`, code);
console.log(`guest runtime: ${(code.length / 1024).toFixed(1)} KiB`);
