// bin/nano.js starts the server under the Node flags NANO needs (--no-node-snapshot for
// isolated-vm, a 1 MB cap on young generations for short GC pauses, late major-GC marking), and keeps a value the user
// chose for the cap. Read from the running server's own command line.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { serve } from '../helpers/serve.js';

const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

t.test('default flags', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const s = await serve(['--app', 'examples/hello']);
  t.teardown(() => s.stop().then(() => undefined));
  const argv = cmdline(s.child.pid as number);
  t.ok(argv.includes('--no-node-snapshot'));
  t.ok(argv.includes('--max-semi-space-size=1'), argv.join(' '));
  t.ok(argv.includes('--incremental-marking-soft-trigger=90'), 'major GC marking starts late (streamed bodies)');
  t.ok(argv.includes('--incremental-marking-hard-trigger=98'));
});

t.test('a cap the user sets is kept', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const s = await serve(['--app', 'examples/hello'], { NODE_OPTIONS: '--max-semi-space-size=4' });
  t.teardown(() => s.stop().then(() => undefined));
  const argv = cmdline(s.child.pid as number);
  t.notOk(argv.some((a) => a.startsWith('--max-semi-space-size')), 'no second value on the command line: NODE_OPTIONS holds the user\'s');
});
