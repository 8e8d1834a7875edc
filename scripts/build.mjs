// Builds NANO: host code with tsc into dist/, and the guest runtime (the code that runs inside
// every isolate) with esbuild into one script, dist/guest/runtime.js.
import { buildGuest } from './build-guest.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = `${root}node_modules/typescript/bin/tsc`;

// Type-check the guest under its own config ("types": [] so Node globals do not compile there).
execFileSync(process.execPath, [tsc, '-p', 'src/runtime-guest/tsconfig.json'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });

// The guest runtime and its units (scripts/build-guest.mjs).
await buildGuest(root);

// Two optional native addons, compiled against the running Node's headers; NANO runs without
// either (src/isolates/memory-release.ts and src/isolates/runtime-image.ts say what changes):
// - native/malloc-trim.c (C, Node-API): idle eviction returns more memory to the OS with it.
// - native/lazy-load.cc (C++, V8 API, loaded into isolates by isolated-vm): the guest installs
//   its heavier globals as lazy data properties, so isolates that never use them do not pay, and
//   compiles runtime units from a code cache shared by the process.
const nodeHeaders = [join(dirname(process.execPath), '../include/node'), '/usr/local/include/node', '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
buildNative('malloc-trim.node', process.env.CC ?? 'cc', ['-O2', '-shared', '-fPIC', '-Wall', '-Werror'], 'malloc-trim.c');
// Node's own build flags for code that includes v8.h: C++20, no strict aliasing, no RTTI.
buildNative('lazy-load.node', process.env.CXX ?? 'c++', ['-std=c++20', '-O2', '-shared', '-fPIC', '-fvisibility=hidden', '-fno-strict-aliasing', '-fno-rtti', '-Wall', '-Werror'], 'lazy-load.cc');

function buildNative(name, cc, flags, source) {
  const out = `${root}dist/native/${name}`;
  if (process.platform !== 'linux' || nodeHeaders === undefined) {
    console.log(`native addon ${name}: skipped (${process.platform !== 'linux' ? 'not Linux' : 'no node_api.h found'})`);
    return;
  }
  mkdirSync(dirname(out), { recursive: true });
  try {
    execFileSync(cc, [...flags, `-I${nodeHeaders}`, '-o', out, `${root}native/${source}`], { stdio: 'pipe' });
    console.log(`native addon: dist/native/${name}`);
  } catch (err) {
    rmSync(out, { force: true });
    console.log(`native addon ${name}: skipped (${cc} failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]})`);
  }
}
