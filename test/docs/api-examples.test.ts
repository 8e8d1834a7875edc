// Every API reference page's example, as published, runs as an app of one real `nano serve`
// and answers what its template says it does, so the examples cannot rot.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, serve, fetchRaw, tempTree, type Served } from '../helpers/serve.js';

interface Page {
  slug: string;
  title: string;
  request: string;
  body?: string;
  status: number;
  expect: string[];
}
interface ApiGenerator {
  API_DIR: string;
  readTemplates(root: string): Page[];
  exampleOf(markdown: string): string | null;
}
const api = (await import(pathToFileURL(join(ROOT, 'scripts/docs/api.mjs')).href)) as ApiGenerator;
const pages = api.readTemplates(ROOT);

// The example as the generated page shows it, not as the template has it: what users copy.
const files: Record<string, string> = {};
for (const page of pages) {
  const published = readFileSync(join(ROOT, api.API_DIR, `${page.slug}.md`), 'utf8');
  const code = api.exampleOf(published);
  if (code === null) throw new Error(`${page.slug}: the page has no js example`);
  files[`${page.slug}/index.js`] = code;
}
const dir = tempTree(files);
const config = {
  apps: pages.map((p) => ({ name: p.slug, path: `./${p.slug}`, hostnames: [`${p.slug}.example`] })),
};
writeFileSync(join(dir, 'nano.json'), JSON.stringify(config));

// In t.before, so a server that fails to start is reported as such, with its stderr.
let server: Served;
t.before(async () => {
  server = await serve(['--config', join(dir, 'nano.json')]);
});
t.teardown(() => server?.stop());

t.ok(pages.length >= 14, 'one page per API family');

for (const page of pages) {
  t.test(`${page.title}: the example answers as documented`, async (t) => {
    const [method, path] = page.request.split(' ');
    const reply = await fetchRaw(server.port, path ?? '/', {
      host: `${page.slug}.example`,
      method: method ?? 'GET',
      ...(page.body === undefined ? {} : { body: page.body, headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
    });
    t.equal(reply.status, page.status, `status; body: ${reply.text.slice(0, 300)}`);
    t.ok(page.expect.length > 0, 'the template says what the answer contains');
    for (const want of page.expect) t.ok(reply.text.includes(want), `answer contains ${JSON.stringify(want)}; got ${JSON.stringify(reply.text.slice(0, 400))}`);
  });
}

t.test('the console example logs its lines in the app\'s name', async (t) => {
  const line = await server.waitForLog((l) => l.app === 'console' && typeof l.msg === 'string' && l.msg.includes('GET /'), 15_000);
  t.ok(line, 'console.log with %s reached the log');
});
