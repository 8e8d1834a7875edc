#!/usr/bin/env node
// Starts the nano CLI under the Node flags isolated-vm needs (--no-node-snapshot on Node >= 20).
import { spawn } from 'node:child_process';

const flags = ['--no-node-snapshot'];
const has = (f) => process.execArgv.includes(f) || (process.env.NODE_OPTIONS ?? '').includes(f);
if (flags.every(has)) {
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
