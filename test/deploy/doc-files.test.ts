// The guides show repository files verbatim: every fenced block titled with a path under deploy/
// or examples/, or the Dockerfile (```nginx title="deploy/nginx/nano.conf") must be that file's
// content, so neither can drift.
import t from 'tap';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/serve.js';

const GUIDES = join(ROOT, 'docs/src/content/docs/guides');
const FENCE = /^```\S*\s+title="((?:deploy|examples)\/[^"]+|Dockerfile|\.dockerignore)"\n([\s\S]*?)^```$/gm;

t.test('every titled code block in the guides is the file it names', async (t) => {
  let blocks = 0;
  for (const page of readdirSync(GUIDES).filter((f) => /\.mdx?$/.test(f))) {
    const text = readFileSync(join(GUIDES, page), 'utf8');
    for (const m of text.matchAll(FENCE)) {
      const [, path, body] = m as unknown as [string, string, string];
      const file = join(ROOT, path);
      if (!existsSync(file)) {
        t.fail(`${page}: the block titled "${path}" names no file of the repository`);
        continue;
      }
      blocks++;
      t.equal(body, readFileSync(file, 'utf8'), `${page}: the block titled "${path}" is that file (copy the file into the page after editing it)`);
    }
  }
  t.ok(blocks >= 6, `${blocks} file blocks checked (the deployment guide alone shows six)`);
});
