// Generates the files that have one source elsewhere: the JSON Schema of the config
// (schema/nano.schema.json) and the docs' config reference, both from the zod schema in
// src/config/schema.ts, the docs' error page from src/errors/registry.ts, and the API reference
// (scripts/docs/api.mjs: templates, a real NANO isolate, conformance/report.json). Reads the built
// modules in dist/ (`npm run docs:gen` builds first; isolated-vm needs --no-node-snapshot). `--check` writes nothing and exits 1 if a
// file is out of date (for CI); test/docs/reference.test.ts checks the same.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { generateApi } from './docs/api.mjs';
import { renderTroubleshooting, TROUBLESHOOTING } from './docs/troubleshooting.mjs';
import { benchData, renderPerformancePage, BENCH_DATA, PERFORMANCE_PAGE } from './docs/bench.mjs';

export { TROUBLESHOOTING };

const root = fileURLToPath(new URL('..', import.meta.url));

export const OUTPUTS = {
  schema: 'schema/nano.schema.json',
  config: 'docs/src/content/docs/reference/config.md',
  errors: 'docs/src/content/docs/reference/errors.md',
  workers: 'docs/src/content/docs/guides/coming-from-workers.md',
};

/**
 * Returns { path relative to the repo: content } for every generated file. `fromBenchResults:
 * false` leaves out a local bench-results/latest.json (the tests' check of the committed files).
 */
export async function generate({ fromBenchResults = true } = {}) {
  const { configSchema } = await import(pathToFileURL(join(root, 'dist/src/config/schema.js')).href);
  const { ERRORS } = await import(pathToFileURL(join(root, 'dist/src/errors/registry.js')).href);
  const compat = await import(pathToFileURL(join(root, 'dist/src/project/compat.js')).href);
  const bench = benchData(root, { fromResults: fromBenchResults });
  const schema = {
    $id: 'https://nano.dev/schema/nano.schema.json',
    title: 'NANO config (nano.json)',
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
  };
  return {
    [OUTPUTS.schema]: `${JSON.stringify(schema, null, 2)}\n`,
    [OUTPUTS.config]: renderConfig(schema),
    [OUTPUTS.errors]: renderErrors(ERRORS),
    [OUTPUTS.workers]: renderWorkers(compat),
    [TROUBLESHOOTING]: renderTroubleshooting(root, ERRORS),
    [BENCH_DATA]: `${JSON.stringify(bench, null, 2)}\n`,
    [PERFORMANCE_PAGE]: renderPerformancePage(root, bench),
    ...(await generateApi(root)),
  };
}

// --- config reference ---

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(v) {
  return `\`${v}\``;
}

function typeOf(prop, defs) {
  if (prop.$ref !== undefined) return 'any JSON value';
  if (prop.anyOf !== undefined) return `one of ${prop.anyOf.map((p) => shape(p, defs)).join(', ')}`;
  if (prop.enum !== undefined) return prop.enum.map((v) => code(JSON.stringify(v))).join(' or ');
  switch (prop.type) {
    case 'integer':
    case 'number': {
      const lo = prop.minimum;
      const hi = prop.maximum === MAX_SAFE ? undefined : prop.maximum;
      const range = lo !== undefined && hi !== undefined ? ` ${lo}–${hi}` : lo !== undefined ? ` ≥ ${lo}` : hi !== undefined ? ` ≤ ${hi}` : '';
      return `${prop.type}${range}`;
    }
    case 'string': {
      const rules = [];
      if (prop.minLength !== undefined) rules.push(`at least ${prop.minLength} character${prop.minLength === 1 ? '' : 's'}`);
      if (prop.pattern !== undefined) rules.push(`matching ${code(prop.pattern)}`);
      return rules.length === 0 ? 'string' : `string, ${rules.join(', ')}`;
    }
    case 'boolean':
      return 'boolean';
    case 'array':
      return `array of ${prop.items === undefined ? 'values' : prop.items.properties !== undefined ? 'objects (below)' : typeOf(prop.items, defs)}${prop.minItems !== undefined ? ` (at least ${prop.minItems})` : ''}`;
    case 'object':
      if (prop.properties !== undefined) return 'object (below)';
      if (prop.additionalProperties !== undefined) return `map of binding name (${code(prop.propertyNames?.pattern ?? '')}) → ${typeOf(prop.additionalProperties, defs)}`;
      return 'object';
    default:
      return 'any';
  }
}

function shape(p, defs) {
  if (p.type === 'object' && p.properties !== undefined) {
    return code(`{${Object.entries(p.properties).map(([k, v]) => `"${k}": ${v.type === 'string' ? '"…"' : '…'}`).join(', ')}}`);
  }
  return typeOf(p, defs);
}

function defaultOf(prop, required) {
  if (required) return 'required';
  if (prop.default === undefined) return '—';
  const text = JSON.stringify(prop.default);
  return text.length > 40 ? 'each field\'s default' : code(text);
}

function sections(node, path, defs, out) {
  const rows = [];
  const children = [];
  const required = new Set(node.required ?? []);
  for (const [key, prop] of Object.entries(node.properties ?? {})) {
    rows.push(`| ${code(key)} | ${cell(typeOf(prop, defs))} | ${cell(defaultOf(prop, required.has(key)))} | ${cell(prop.description ?? '')} |`);
    const sub = path === '' ? key : `${path}.${key}`;
    if (prop.type === 'object' && prop.properties !== undefined) children.push([prop, sub]);
    if (prop.type === 'array' && prop.items?.properties !== undefined) children.push([{ ...prop.items, description: prop.description }, `${sub}[]`]);
  }
  out.push({ path, description: node.description, rows });
  for (const [prop, sub] of children) sections(prop, sub, defs, out);
}

export function renderConfig(schema) {
  const out = [];
  sections(schema, '', schema.$defs ?? {}, out);
  const body = out
    .map((s) => {
      const title = s.path === '' ? 'Top level' : code(s.path);
      const intro = s.path === '' ? 'A config file is one JSON object. Unknown fields are errors, so a misspelt field never goes unnoticed.' : (s.description ?? '');
      return `## ${title}\n\n${intro}${intro === '' ? '' : '\n\n'}| Field | Type | Default | Description |\n|---|---|---|---|\n${s.rows.join('\n')}\n`;
    })
    .join('\n');
  return `---
title: Config fields
description: Every field of a NANO config file, with its type, default and meaning.
---

<!-- Generated by \`npm run docs:gen\` from src/config/schema.ts; do not edit by hand. -->

This page is generated from the config schema, the same one \`nano serve\` and \`nano check\`
validate against, so it cannot drift from what NANO accepts. Every problem in a config is
reported at once, each with the file, the JSON path and the fix; a config that fails
validation never replaces a running one.

Editors can complete and check a config with the JSON Schema generated from the same source,
\`schema/nano.schema.json\`: point the config's \`"$schema"\` field at it.

Paths in a config (app \`path\`, secret \`fromFile\`) are relative to the config file.

${body}`;
}

// --- error codes ---

export function renderErrors(errors) {
  const row = ([name, spec]) => `| ${code(name)} | ${spec.status === 0 ? '—' : spec.status} | ${cell(spec.description)} |`;
  const entries = Object.entries(errors);
  const table = (kind) => `| Code | HTTP status | Meaning and fix |\n|---|---|---|\n${entries.filter(([, s]) => s.kind === kind).map(row).join('\n')}\n`;
  return `---
title: Error codes
description: Every NANO_ERR_* code, what it means and what to do.
---

<!-- Generated by \`npm run docs:gen\` from src/errors/registry.ts; do not edit by hand. -->

Every error NANO reports carries a stable \`NANO_ERR_*\` code, in log lines, in command-line
messages and in error responses. An error response (from NANO, not from an app) has the body
\`{"error": {"code": "NANO_ERR_…", "message": "…"}}\`; the message is short and never contains a
stack, a host path or a secret. "HTTP status" is the status of a response the error ends, and
"—" marks errors that never end a request (they stop startup, refuse a reload, or are logged).

## Your config or app is wrong

${table('user')}
## NANO failed

${table('internal')}`;
}

// --- coming from Cloudflare Workers ---

export function renderWorkers({ WRANGLER_FIELDS, WORKERS_APIS }) {
  const table = (head, rows) =>
    `| ${head} | NANO | Notes |\n|---|---|---|\n${Object.entries(rows).map(([name, r]) => `| ${code(name)} | ${r.support} | ${cell(r.note)} |`).join('\n')}\n`;
  return `---
title: Coming from Cloudflare Workers
description: Serve a Workers project (wrangler config, TypeScript, npm packages) with NANO, and what of the Workers platform NANO supports.
---

<!-- Generated by \`npm run docs:gen\` from src/project/compat.ts; do not edit by hand. -->

Point NANO at a Workers project as it is, the way \`wrangler dev\` runs it:

\`\`\`sh
nano serve --app path/to/project      # or "path" of an app in nano.json
nano check --app path/to/project      # builds it and reports every problem
nano init my-worker                   # a new TypeScript project that serves at once
\`\`\`

**Discovery.** A directory with \`wrangler.toml\`, \`wrangler.json\` or \`wrangler.jsonc\` (read in that
order) takes its entry from \`main\`, its name (with \`--app\`) from \`name\` and \`env\` bindings from
\`vars\`; in nano.json the app's own \`entry\`, \`name\`, \`env\` and \`secrets\` win. Without a wrangler
file the entry is package.json \`module\` or \`main\`, else \`src/index.ts\`, \`index.ts\`,
\`index.js\` and the other defaults. Fields NANO cannot honour are named once, in one warning
line (\`project_fields_ignored\`) when the app loads.

**Build.** A directory with a wrangler file, a tsconfig.json, package.json \`dependencies\` or a
TypeScript/JSX entry is bundled by esbuild into one ES module: TypeScript, TSX and JSX (types
are not checked), npm packages from the project's own \`node_modules\` resolved with the
conditions \`workerd\`, \`worker\`, \`browser\` (as wrangler does), symlinked packages (npm
workspaces, pnpm) included, JSON imports as values and \`.txt\`/\`.html\` imports as strings. A
directory of plain ES modules without those loads unbundled, as before.

**Cache.** A bundle is kept with the content hash of every file it was built from (and of the
project's file list) under \`$NANO_CACHE_DIR\`, else \`$XDG_CACHE_HOME/nano\`, else
\`~/.cache/nano\`, in \`builds/\`. A restart whose files are unchanged loads the bundle without
building. The cache lives outside the project, so writing it never triggers a reload; delete the
directory at any time.

**Hot reload.** Saving a project file, or a file in \`node_modules\` that the last build read,
rebuilds the project. A build error is logged (\`reload_failed\`, \`NANO_ERR_APP_BUILD\`) with
\`file:line:column\` and a code frame, and the running version keeps serving; \`nano check\`
prints the same errors and exits 1.

**Stacks.** Uncaught exceptions and \`console.error(err)\` output in the log point at the
project's own source lines (\`src/index.ts:12:7\`), mapped through the bundle's source map.

## Wrangler configuration fields

"no effect" marks deploy-time settings that mean nothing to a local server; they are still named
in the warning, so nothing is ignored silently.

${table('Field', WRANGLER_FIELDS)}
## Workers APIs

Web platform APIs (fetch, streams, URL, crypto, …) are listed in the
[WinterCG compliance](/reference/wintercg/) matrix.

${table('API', WORKERS_APIS)}`;
}

// --- command line ---

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, content] of Object.entries(await generate())) {
    const file = join(root, rel);
    let current = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // not generated yet
    }
    if (current === content) continue;
    if (check) {
      process.stderr.write(`${rel} is out of date: run npm run docs:gen\n`);
      stale++;
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      process.stdout.write(`wrote ${rel}\n`);
    }
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
