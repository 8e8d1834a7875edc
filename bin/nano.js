#!/usr/bin/env node
// Starts the nano CLI under the Node flags it needs (the measurements behind each are on the docs'
// performance page, "Node flags"):
// - --no-node-snapshot: isolated-vm requires it on Node >= 20.
// - --max-semi-space-size=1 (MB; unless you set your own): small young generations, so the main
//   heap's scavenges stay short under load; V8 applies it to app isolates too.
// - --incremental-marking-soft-trigger=90, --incremental-marking-hard-trigger=98: major-GC marking
//   starts late, so the buffers of a streamed body do not start marking again and again.
// - --invocation-count-for-feedback-allocation=40: runtime helpers that an isolate's start-up
//   calls a few times get no feedback vector (less memory per isolate); hot code still does.
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
