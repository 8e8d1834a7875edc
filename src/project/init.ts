// `nano init [DIR]`: writes a small TypeScript Workers project (wrangler.jsonc, src/index.ts,
// tsconfig.json, package.json, README with a test request) that `nano serve --app DIR` runs at
// once, with no npm install. It never overwrites: a directory that already holds any of the
// files is refused.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { NanoError } from '../errors/registry.js';

/** The project name for a directory: its base name as a valid app name, or "my-worker". */
export function projectNameFor(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|-+$/g, '').slice(0, 63);
  return name === '' ? 'my-worker' : name;
}

function files(name: string): Record<string, string> {
  return {
    'wrangler.jsonc': `// Read by \`nano serve --app .\` (and by wrangler). NANO honours name, main and vars.
{
  "name": "${name}",
  "main": "src/index.ts",
  "vars": {
    "GREETING": "Hello"
  }
}
`,
    'src/index.ts': `// A Workers module: NANO builds this TypeScript on load and rebuilds it when you save.
export interface Env {
  GREETING: string;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/api') {
      ctx.waitUntil(Promise.resolve());
      return Response.json({ path: url.pathname, method: request.method });
    }
    return new Response(\`\${env.GREETING} from ${name}!\\n\`);
  },
};

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}
`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ES2022', moduleResolution: 'Bundler', lib: ['ES2022', 'WebWorker'], types: [], strict: true, noEmit: true }, include: ['src'] }, null, 2)}\n`,
    'package.json': `${JSON.stringify({ name, private: true, type: 'module', scripts: { dev: 'nano serve --app .', check: 'nano check --app .' } }, null, 2)}\n`,
    '.gitignore': 'node_modules/\n',
    'README.md': `# ${name}

A Workers project for NANO (and wrangler).

\`\`\`sh
nano serve --app .                 # http://127.0.0.1:8787, reloads when you save
curl http://127.0.0.1:8787/        # ${'→'} Hello from ${name}!
curl http://127.0.0.1:8787/api     # ${'→'} {"path":"/api","method":"GET"}
\`\`\`

npm packages: \`npm install <package>\` and import it; NANO bundles it from node_modules.
`,
  };
}

/** Writes the project into `dir` (created if missing); returns the files written, relative. */
export async function initProject(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const name = projectNameFor(root);
  const wanted = files(name);
  const present = new Set(await readdir(root).catch(() => [] as string[]));
  const clash = Object.keys(wanted).map((f) => f.split('/')[0] as string).filter((f) => present.has(f));
  if (clash.length > 0) {
    throw new NanoError('NANO_ERR_CONFIG_INVALID', `nano init: ${root} already has ${[...new Set(clash)].join(', ')}; choose an empty or new directory`);
  }
  for (const [rel, text] of Object.entries(wanted)) {
    const p = join(root, rel);
    await mkdir(join(p, '..'), { recursive: true });
    await writeFile(p, text, { flag: 'wx' });
  }
  return Object.keys(wanted);
}
