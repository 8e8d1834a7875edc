// The web APIs that load on first use (runtime units behind lazy globals) work in a served app,
// in both runtimes the host can run: the default (with the lazy-load native module) and the
// fallback for machines without it (NANO_LAZY_GLOBALS=0: dist/guest/runtime-eager.js, everything
// installed at start-up).
import t from 'tap';
import { serve, fetchRaw } from '../helpers/serve.js';

const EXPECTED = {
  echoed: 'posted body',
  text: 'ab',
  gz: 'zip me',
  digest: [0xba, 0x78, 0x16, 0xbf],
  pattern: '42',
  read: 'file text',
  mark: 'm',
  form: ['form value', 'file body', 'f.txt'],
  agent: 'string',
  progress: 'load',
  fetch: 'function',
  key: 'function',
};

for (const [label, env] of [['lazy (default)', {}], ['eager fallback', { NANO_LAZY_GLOBALS: '0' }]] as const) {
  t.test(label, async (t) => {
    const s = await serve(['--app', 'test/fixtures/apps/lazy-apis'], env);
    t.teardown(() => s.stop().then(() => undefined));
    // Twice: the second isolate-local use goes through already loaded units.
    for (let i = 0; i < 2; i++) {
      const r = await fetchRaw(s.port, '/', { method: 'POST', body: 'posted body' });
      t.equal(r.status, 200, r.body.toString());
      t.same(JSON.parse(r.body.toString()), EXPECTED);
    }
    for (const name of ['ReadableStream', 'fetch', 'URLPattern', 'performance']) {
      const r = await fetchRaw(s.port, `/descriptor?name=${name}`);
      t.same(JSON.parse(r.body.toString()), { kind: 'data', writable: true, enumerable: false, configurable: true }, name);
    }
  });
}
