#!/usr/bin/env node
// Starts the nano CLI under the Node flags it needs:
// - --no-node-snapshot: isolated-vm requires it on Node >= 20.
// - --max-semi-space-size=1 (MB; unless you set your own): caps young generations. Node's
//   default lets the main heap grow 16 MB semi-spaces, whose scavenges took ~19 ms each under
//   load (bench hello: p99 19.5 ms, 0.54x bare). V8 applies the flag to every isolate, so app
//   isolates get 1 MB semi-spaces too. Measured with
//   1 MB: hello p99 2.8 ms and 0.68x bare; 2 MB was as fast but a streamed 1 GiB peaked at
//   157-160 MiB RSS instead of 124-129.
import { spawn } from 'node:child_process';

const required = [
  ['--no-node-snapshot', '--no-node-snapshot'],
  ['--max-semi-space-size', '--max-semi-space-size=1'],
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
