// The getting-started guide, run as a reader would: every file it shows (a block titled with its
// path) is written into a fresh directory, and every command it shows runs there in order:
// `npx nano serve` starts a real server, `curl` asks it (the text after "# →" must be in the
// answer), any other `npx nano` command must exit 0.
import t from 'tap';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { serve, fetchRaw, tempTree, cleanEnv, ROOT, BIN, type Served } from '../helpers/serve.js';

const GUIDE = join(ROOT, 'docs/src/content/docs/guides/getting-started.md');
const BLOCK = /^```(\S*)(?:[ \t]+title="([^"]+)")?\n([\s\S]*?)^```$/gm;

/** Shell words of a simple command line (single quotes only, as the guide writes them). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string);
}

t.test('the getting-started guide works as written', async (t) => {
  const dir = tempTree({});
  let server: Served | null = null;
  t.teardown(() => server?.stop());
  const ran: string[] = [];
  for (const [, lang, title, body] of readFileSync(GUIDE, 'utf8').matchAll(BLOCK) as IterableIterator<[string, string, string | undefined, string]>) {
    if (title !== undefined) {
      mkdirSync(dirname(join(dir, title)), { recursive: true });
      writeFileSync(join(dir, title), body);
      continue;
    }
    if (lang !== 'sh') continue;
    for (const raw of body.split('\n')) {
      const [command = '', expected] = raw.split(/\s+#\s*→\s*/) as [string, string | undefined];
      const line = command.replace(/\s+#.*$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      const w = words(line);
      ran.push(line);
      if (w[0] === 'npx' && w[1] === 'nano' && w[2] === 'serve') {
        await server?.stop();
        // Paths in the guide are relative to the reader's directory; the harness runs nano from the repository.
        const args = w.slice(3).map((a, i, all) => (['--app', '-a', '--config', '-c'].includes(all[i - 1] ?? '') ? resolve(dir, a) : a));
        server = await serve([...args, '--no-watch']);
      } else if (w[0] === 'npx' && w[1] === 'nano') {
        const r = spawnSync(process.execPath, [BIN, ...w.slice(2)], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
        t.equal(r.status, 0, `${line}: ${r.stdout}${r.stderr}`);
      } else if (w[0] === 'curl') {
        if (server === null) throw new Error(`${line}: no server started before it in the guide`);
        const url = new URL(w.find((a) => a.startsWith('http')) as string);
        const headers: Record<string, string> = {};
        w.forEach((a, i) => {
          if (a === '-H') {
            const [name, ...value] = (w[i + 1] as string).split(':');
            headers[(name as string).toLowerCase()] = value.join(':').trim();
          }
        });
        t.equal(url.host, '127.0.0.1:8787', 'the guide asks the default address');
        const { host, ...rest } = headers;
        const r = await fetchRaw(server.port, url.pathname + url.search, { host: host ?? url.host, headers: rest });
        t.equal(r.status, 200, line);
        if (expected !== undefined) t.ok(r.text.includes(expected.trim()), `${line}: "${expected.trim()}" in ${JSON.stringify(r.text)}`);
      } else {
        t.fail(`the guide has a command this test cannot run: ${line}`);
      }
    }
  }
  t.ok(ran.length >= 7, `${ran.length} commands ran:\n${ran.join('\n')}`);
});
