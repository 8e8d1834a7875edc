// The committed expectations: valid, and every expected failure explained by a person, not by a recorded message.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadExpectations, OBSERVED } from '../../conformance/expectations.js';
import { ROOT } from './helpers.js';

const dir = join(ROOT, 'wpt', 'expectations');
const areas = readdirSync(dir).filter((name) => name.endsWith('.json') && name !== 'surface.json');

t.test('every expected failure in wpt/expectations carries a human reason', async (t) => {
  t.ok(areas.length > 0);
  const observed: string[] = [];
  for (const name of areas) {
    const expectations = loadExpectations(join(dir, name));
    for (const [file, entry] of Object.entries(expectations)) {
      if ('skip' in entry) continue;
      for (const [subtest, reason] of Object.entries(entry.fail ?? {})) if (reason.startsWith(OBSERVED)) observed.push(`${name}: ${file}: ${subtest}`);
      if (entry.harness?.startsWith(OBSERVED) === true) observed.push(`${name}: ${file}: (harness)`);
    }
  }
  t.same(observed.slice(0, 20), [], `${observed.length} reasons are recorded failure messages; write why each fails (needs …, browser-only: …, not implemented: …, bug: …)`);
});
