// Zero-failure figures of the app lifecycle under load: requests failed during a code reload, a
// config reload that adds and removes other apps (counted for the unaffected app), and a SIGTERM
// drain. Each scenario starts a real `nano serve` child, loads it from this process over
// keep-alive connections (bounded in time), and edits real files or sends a real signal.
// Needs a build (npm run build). Prints a table and writes JSON (--out FILE, default
// bench-results/lifecycle.json). Options: --duration MS (per reload scenario, default 3000),
// --concurrency N (default 8; the SIGTERM scenario uses twice that).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string', default: 'bench-results/lifecycle.json' }, duration: { type: 'string', default: '3000' }, concurrency: { type: 'string', default: '8' } } });
const durationMs = Number(values.duration);
const concurrency = Number(values.concurrency);

const { codeReloadUnderLoad, configReloadUnderLoad, sigtermUnderLoad } = await import(pathToFileURL(`${root}dist/test/helpers/scenarios.js`).href);

const figures = [];
figures.push(await codeReloadUnderLoad({ durationMs, concurrency, edits: 3 }));
figures.push(await configReloadUnderLoad({ durationMs, concurrency }));
figures.push(await sigtermUnderLoad({ durationMs: Math.min(durationMs, 1500), concurrency: concurrency * 2 }));
figures.push(await sigtermUnderLoad({ durationMs: Math.min(durationMs, 1500), concurrency: concurrency * 2, keepSending: true }));

const rows = figures.map((f) => [f.scenario, f.requests, f.ok, f.refused, f.failed]);
const head = ['scenario', 'requests', 'ok', 'refused (clean)', 'failed'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
console.log(line(head));
for (const r of rows) console.log(line(r));
const sig = figures[2];
console.log(`SIGTERM: ${sig.detail.inFlightAtSignal} requests in flight at the signal, drained in ${sig.detail.drainMs} ms, exit status ${sig.exitCode}`);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  settings: { durationMs, concurrency },
  failed: { sigtermDrain: figures[2].failed, sigtermDrainClientsKeepSending: figures[3].failed, codeReload: figures[0].failed, configReload: figures[1].failed },
  scenarios: figures,
};
const out = resolve(root, values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
if (figures.some((f) => f.failed > 0) || figures[2].exitCode !== 0 || figures[3].exitCode !== 0) process.exitCode = 1;
