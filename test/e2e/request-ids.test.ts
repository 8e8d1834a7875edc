// Request ids count per app: one app's traffic does not move another app's ids (a process-wide
// counter would let a tenant measure its neighbours' traffic). Seen in a real server's log.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, fetchRaw, tempTree } from '../helpers/serve.js';

t.test('each app numbers its own requests from 1', async (t) => {
  const dir = tempTree({
    'busy/index.js': 'export default { fetch: () => new Response("ok") };',
    'quiet/index.js': 'export default { fetch() { throw new Error("quiet app failed on purpose"); } };',
  });
  writeFileSync(join(dir, 'nano.json'), JSON.stringify({ apps: [
    { name: 'busy', path: join(dir, 'busy'), hostnames: ['busy.test'] },
    { name: 'quiet', path: join(dir, 'quiet'), hostnames: ['quiet.test'] },
  ] }));
  const s = await serve(['--config', join(dir, 'nano.json')]);
  t.teardown(() => s.stop().then(() => undefined));
  for (let i = 0; i < 5; i++) t.equal((await fetchRaw(s.port, '/', { host: 'busy.test' })).status, 200);
  t.equal((await fetchRaw(s.port, '/', { host: 'quiet.test' })).status, 500);
  const line = await s.waitForLog((l) => l.app === 'quiet' && typeof l.reqId === 'number');
  t.equal(line.reqId, 1, 'the quiet app\'s first request is its request 1, after 5 of the busy app');
});
