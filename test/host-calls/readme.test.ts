// The host API's one typed table (src/protocol/host-api.ts), the handlers registered for it
// (src/host-calls/registry.ts) and the README tables that describe it name the same calls and ops.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { CRYPTO_METHODS, ISOLATE_CALLS, OPS, SYNC_CALLS } from '../../src/protocol/host-api.js';
import { OP_HANDLERS, SYNC_CALL_HANDLERS } from '../../src/host-calls/registry.js';

const readme = readFileSync(new URL('../../../src/host-calls/README.md', import.meta.url), 'utf8');

/** The names in the first column of the README's tables under headings from `from` up to `to`. */
function tableNames(from: string, to: string | null): string[] {
  const start = readme.indexOf(from);
  const end = to === null ? readme.length : readme.indexOf(to, start);
  const names: string[] = [];
  for (const line of readme.slice(start, end).split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cell = line.split('|')[1] ?? '';
    const tokens = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    // "`crypto.encrypt` / `decrypt` / `sign`": the later names share the first one's prefix.
    const prefix = tokens[0]?.includes('.') === true ? (tokens[0] as string).slice(0, (tokens[0] as string).indexOf('.') + 1) : '';
    names.push(...tokens.map((n, i) => (i > 0 && !n.includes('.') ? prefix + n : n)));
  }
  return names.sort();
}

t.test('the README lists every synchronous call, the isolate-owned ones included', async (t) => {
  t.same(tableNames('## Synchronous calls', '## Signals'), [...SYNC_CALLS, ...ISOLATE_CALLS].sort());
  t.equal(ISOLATE_CALLS.length, 4, 'respond, respondError, passBody, limits');
});

t.test('the README lists every async op', async (t) => {
  t.same(tableNames('## Async ops', null), [...OPS].sort());
  t.equal(OPS.filter((n) => n.startsWith('crypto.')).length, CRYPTO_METHODS.length);
});

t.test('the registry has one handler per name, and none besides', async (t) => {
  t.same([...OP_HANDLERS.keys()].sort(), [...OPS].sort());
  t.same(Object.keys(SYNC_CALL_HANDLERS).sort(), [...SYNC_CALLS].sort());
  for (const [name, fn] of OP_HANDLERS) t.type(fn, 'function', name);
});
