#!/usr/bin/env node
// Starts the nano CLI under the Node flags it needs:
// - --no-node-snapshot: isolated-vm requires it on Node >= 20.
// - --max-semi-space-size=1 (MB; unless you set your own): caps young generations. Node's
//   default lets the main heap grow 16 MB semi-spaces, whose scavenges took ~19 ms each under
//   load (bench hello: p99 19.5 ms, 0.54x bare). V8 applies the flag to every isolate, so app
//   isolates get 1 MB semi-spaces too. Measured with
//   1 MB: hello p99 2.8 ms and 0.68x bare; 2 MB was as fast but a streamed 1 GiB peaked at
//   157-160 MiB RSS instead of 124-129.
// - --incremental-marking-soft-trigger=90, --incremental-marking-hard-trigger=98: V8 starts a
//   major GC's marking only once 90% of the heap's headroom is used. NANO's main heap (about
//   14 MB) is above V8's 8 MB activation threshold, so by default the buffers of a streamed body
//   started marking again and again: 3-8 mark-compacts of 5-10 ms per 100 MiB echoed, at 500-900
//   MB/s, against 0-1 with these flags. Bare node's heap (7 MB) stays under the threshold. With
//   them (and the freed-heap hold of src/isolates/memory-release.ts), `npm run bench` echo went
//   from 0.63-0.70x bare to 1.23-1.45x. They apply to app isolates as well.
// - --invocation-count-for-feedback-allocation=40 (V8's default is 8): a function gets its
//   feedback vector (and with it Sparkplug's baseline code) after 40 calls. Each app isolate's
//   start-up calls a few runtime helpers 10-40 times once and never again; with the default they
//   got feedback vectors and a baseline-code page: 58 KiB more per isolate (1,000 hello apps).
//   Hot code reaches 40 calls at once: bench hello 0.85x bare and cpuParallel 1.95x with it.
import { spawn } from 'node:child_process';

const required = [
  ['--no-node-snapshot', '--no-node-snapshot'],
  ['--max-semi-space-size', '--max-semi-space-size=1'],
  ['--incremental-marking-soft-trigger', '--incremental-marking-soft-trigger=90'],
  ['--incremental-marking-hard-trigger', '--incremental-marking-hard-trigger=98'],
  ['--invocation-count-for-feedback-allocation', '--invocation-count-for-feedback-allocation=40'],
];
const has = (f) => process.execArgv.some((a) => a === f || a.startsWith(`${f}=`)) || (process.env.NODE_OPTIONS ?? '').includes(f);
const flags = required.filter(([name]) => !has(name)).map(([, flag]) => flag);
if (flags.length === 0) {
  await import('../dist/src/cli/main.js');
} else if (typeof process.execve === 'function' && process.platform !== 'win32') {
  // Replace this process (same pid): signals reach the server directly, and a terminal's Ctrl-C
  // is one SIGINT, not one from the terminal plus one forwarded by a wrapper.
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, new URL(import.meta.url).pathname, ...process.argv.slice(2)], process.env);
} else {
  const child = spawn(process.execPath, [...flags, ...process.execArgv, new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Forward signals so the real server drains.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
