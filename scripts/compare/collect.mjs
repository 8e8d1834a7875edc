// Reads a comparison child's output into a result shaped like the conformance runner's FileResult.
import { StringDecoder } from 'node:string_decoder';
import { HARNESS_STATUS, SUBTEST_STATUS } from '../../dist/conformance/harness-scripts.js';

/**
 * Collects the reporter's `marker + JSON` lines from `child`: subtests ({"r": …}), load errors
 * ({"e": …}, the first is kept) and completion ({"d": …}, after which the child is ended). A
 * child that exits without completing is a CRASH; one still running at the deadline is a HANG.
 * Repeated subtest names get " [2]", … and the server's port reads "{port}", as in the runner.
 */
export function collect(child, { marker, port, deadlineMs }) {
  const started = performance.now();
  const subtests = [];
  const names = new Map();
  const portPattern = new RegExp(`:${port}(?!\\d)`, 'g');
  let harness = null;
  let loadError;
  let stderr = '';
  const add = (rawName, status, message) => {
    const name = String(rawName).replace(portPattern, ':{port}');
    const count = (names.get(name) ?? 0) + 1;
    names.set(name, count);
    const named = SUBTEST_STATUS[status] ?? 'FAIL';
    subtests.push({ name: count === 1 ? name : `${name} [${count}]`, status: named, ...(named === 'PASS' || message === null ? {} : { message }) });
  };
  return new Promise((resolve) => {
    const finish = (status, message) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      const why = loadError ?? message;
      const final = loadError !== undefined && status === 'OK' ? 'ERROR' : status;
      resolve({ status: final, ...(why ? { message: String(why).slice(0, 2000) } : {}), subtests, durationMs: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => finish('HANG', `no completion within ${deadlineMs} ms`), deadlineMs);
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    // Split on \n only: readline would also split on U+2028/U+2029, which JSON leaves unescaped in names.
    const decoder = new StringDecoder('utf8');
    let pending = '';
    child.stdout.on('data', (chunk) => {
      const lines = (pending + decoder.write(chunk)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    const onLine = (line) => {
      const at = line.indexOf(marker);
      if (at === -1 || harness !== null) return;
      const message = JSON.parse(line.slice(at + marker.length));
      if (message.r !== undefined) add(...message.r);
      if (message.e !== undefined) loadError ??= message.e;
      if (message.d !== undefined) {
        const [status, text, late] = message.d;
        for (const entry of late) add(...entry);
        harness = { status: HARNESS_STATUS[status] ?? 'ERROR', message: text };
        finish(harness.status, text ?? undefined);
      }
    };
    child.on('close', (code) => {
      if (harness === null) finish('CRASH', `exited with ${code} before completing${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    });
  });
}
