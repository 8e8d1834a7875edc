// The API-surface check runs in a real isolate and reports every Minimum Common API name.
import t from 'tap';
import { SURFACE, checkSurface } from '../../conformance/surface.js';

t.test('the list covers the WinterTC Minimum Common API', async (t) => {
  const names = SURFACE.map((entry) => entry.name);
  t.equal(new Set(names).size, names.length, 'no duplicates');
  for (const name of ['ReadableStream', 'URLPattern', 'WebAssembly', 'structuredClone', 'self', 'navigator']) t.ok(names.includes(name), name);
  t.equal(SURFACE.find((entry) => entry.name === 'WebAssembly')?.type, 'object', 'namespaces are objects');
  t.equal(SURFACE.find((entry) => entry.name === 'Blob')?.type, 'function', 'interfaces are functions');
});

t.test('checkSurface reports each entry with the typeof seen', async (t) => {
  const results = await checkSurface();
  t.equal(results.length, SURFACE.length);
  const byName = new Map(results.map((entry) => [entry.name, entry]));
  for (const name of ['globalThis', 'console', 'setTimeout', 'WebAssembly']) t.equal(byName.get(name)?.ok, true, `${name} is present`);
  for (const entry of results) t.equal(entry.ok, entry.actual === entry.type, `${entry.name}: ok matches typeof`);
});
