// Builds NANO: host code with tsc into dist/, and the guest runtime (the code that runs inside
// every isolate) with esbuild into one script, dist/guest/runtime.js.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

// The optional malloc_trim addon (native/malloc-trim.c): compiled with the system C compiler
// against the running Node's headers. Without a compiler NANO still runs; idle eviction then
// returns less memory to the OS (src/isolates/memory-release.ts says how much).
buildNative();

function buildNative() {
  const out = `${root}dist/native/malloc-trim.node`;
  const headers = [join(dirname(process.execPath), '../include/node'), '/usr/local/include/node', '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
  const cc = process.env.CC ?? 'cc';
  if (process.platform !== 'linux' || headers === undefined) {
    console.log(`native addon: skipped (${process.platform !== 'linux' ? 'not Linux' : 'no node_api.h found'})`);
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  try {
    execFileSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', '-Werror', `-I${headers}`, '-o', out, `${root}native/malloc-trim.c`], { stdio: 'pipe' });
    console.log('native addon: dist/native/malloc-trim.node');
  } catch (err) {
    console.log(`native addon: skipped (${cc} failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]})`);
  }
}
