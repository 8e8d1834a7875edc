// Renders the API reference (docs/src/content/docs/reference/api/): one page per API family from
// the hand-written templates in scripts/docs/api/*.md, merged with what is generated — the
// interfaces and members read from a real NANO isolate, NANO's limits from the built modules,
// and the WPT pass rates of conformance/report.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readSurface } from './surface.mjs';

export const API_DIR = 'docs/src/content/docs/reference/api';
const TEMPLATES = 'scripts/docs/api';

/**
 * Parses a template: `---` front matter of `key: value` lines (a key may repeat: `expect`), then
 * the page's Markdown. Lists are comma-separated.
 */
export function parseTemplate(text, file) {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (m === null) throw new Error(`${file}: no front matter`);
  const meta = { expect: [] };
  for (const line of m[1].split('\n')) {
    const at = line.indexOf(':');
    if (at < 1) throw new Error(`${file}: bad front matter line ${JSON.stringify(line)}`);
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (key === 'expect') meta.expect.push(value);
    else meta[key] = value;
  }
  for (const key of ['title', 'description', 'order', 'globals', 'areas', 'request']) {
    if (meta[key] === undefined) throw new Error(`${file}: front matter has no ${key}`);
  }
  const list = (v) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    title: meta.title,
    description: meta.description,
    order: Number(meta.order),
    globals: list(meta.globals),
    areas: list(meta.areas),
    request: meta.request,
    body: meta.body,
    status: meta.status === undefined ? 200 : Number(meta.status),
    expect: meta.expect,
    markdown: m[2],
  };
}

/** Every template, by page slug (its file name), in sidebar order. */
export function readTemplates(root) {
  const dir = join(root, TEMPLATES);
  const pages = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => ({ slug: f.slice(0, -3), ...parseTemplate(readFileSync(join(dir, f), 'utf8'), `${TEMPLATES}/${f}`) }));
  return pages.sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
}

/** The first ```js block of a page: the example app the test serves. */
export function exampleOf(markdown) {
  const m = /```js[^\n]*\n([\s\S]*?)```/.exec(markdown);
  return m === null ? null : m[1];
}

const mib = (n) => `${n / (1 << 20)} MiB`;
const num = (n) => n.toLocaleString('en-US');

/** The `{{name}}` values templates may use, all read from the built modules. */
export async function limitValues(root) {
  const mod = (rel) => import(pathToFileURL(join(root, 'dist', rel)).href);
  const { configSchema, APP_LIMIT_DEFAULTS } = await mod('src/config/schema.js');
  const fetch = await mod('src/host-calls/fetch.js');
  const zlib = await mod('src/host-calls/compression.js');
  const crypto = await mod('src/host-calls/crypto.js');
  const bridge = await mod('src/protocol/bridge.js');
  const d = configSchema.parse({ apps: [{ name: 'a', path: '.' }] }).defaults;
  return {
    subrequests: num(APP_LIMIT_DEFAULTS.subrequests),
    subrequestTimeout: `${APP_LIMIT_DEFAULTS.subrequestTimeoutMs / 1000} s`,
    fetchBodyBuffer: mib(fetch.BODY_BUFFER_BYTES),
    maxBodyBytes: mib(d.maxBodyBytes),
    memoryMb: `${d.memoryMb} MiB`,
    cpuMs: `${num(d.cpuMs)} ms`,
    wallMs: `${d.wallMs / 1000} s`,
    logLinesPerSec: num(d.logLinesPerSec),
    logBytesPerSec: mib(d.logBytesPerSec),
    logLineBytes: `${d.logLineBytes / 1024} KiB`,
    zlibStreams: num(zlib.MAX_STREAMS),
    zlibBuffered: mib(zlib.MAX_BUFFERED),
    zlibAppBuffered: mib(zlib.MAX_APP_BUFFERED),
    cryptoKeys: num(crypto.MAX_KEYS),
    cryptoConcurrent: num(crypto.MAX_CONCURRENT),
    cryptoWaitingJobs: num(crypto.MAX_WAITING.jobs),
    cryptoWaitingBytes: mib(crypto.MAX_WAITING.bytes),
    pbkdf2Iterations: num(crypto.LIMITS.pbkdf2Iterations),
    pbkdf2Bits: num(crypto.LIMITS.pbkdf2Bits),
    rsaModulusBits: num(crypto.LIMITS.rsaModulusBits),
    hmacKeyBits: num(crypto.LIMITS.hmacKeyBits),
    liveTimers: num(bridge.MAX_LIVE_TIMERS),
    timerClampMs: `${bridge.TIMER_CLAMP_MS} ms`,
    timerNesting: num(bridge.TIMER_NESTING_LEVEL),
    textDecodeMax: `${bridge.TEXT_DECODE_MAX / 1024} KiB`,
    wasmPagesPerMb: num(bridge.WASM_PAGES_PER_MB),
  };
}

function fill(markdown, values, file) {
  return markdown.replace(/\{\{(\w+)\}\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`${file}: unknown placeholder {{${name}}}`);
    return values[name];
  });
}

function membersSection(page, describe) {
  const out = ['## Interfaces and members', '', 'Read from a real NANO isolate when this page was generated: every member an app can reach.', ''];
  const functions = [];
  for (const name of page.globals) {
    const d = describe[name];
    if (d === undefined) throw new Error(`${page.slug}: ${name} is not a global of the runtime`);
    if (d.type === 'function' || d.type === 'global') {
      functions.push(name);
      continue;
    }
    const head = d.type === 'namespace' ? `### \`${name}\` (global object)` : `### \`${name}\``;
    out.push(head, '');
    if (d.extends) out.push(`Extends \`${d.extends}\`.`, '');
    const seen = new Set();
    const rows = d.members.filter((m) => {
      if (seen.has(m.name)) return false;
      seen.add(m.name);
      return true;
    });
    if (rows.length === 0) out.push('No members of its own.', '');
    else out.push('| Member | Kind |', '|---|---|', ...rows.map((m) => `| \`${m.name}${m.kind.endsWith('method') ? '()' : ''}\` | ${m.kind} |`), '');
  }
  if (functions.length > 0) {
    out.push('### Global functions and objects', '', '| Global | Kind |', '|---|---|');
    for (const name of functions) out.push(`| \`${name}${describe[name].type === 'function' ? '()' : ''}\` | ${describe[name].type === 'global' ? 'the global object' : 'function'} |`);
    out.push('');
  }
  return out.join('\n');
}

function pct(passed, total) {
  return total === 0 ? '—' : `${((100 * passed) / total).toFixed(1)}%`;
}

function wptSection(page, report) {
  const out = ['## Web Platform Tests', ''];
  if (page.areas.length === 0) {
    out.push('No WPT area covers this API; the behaviour on this page is checked by NANO\'s own tests.', '');
    return out.join('\n');
  }
  out.push('| Area | Subtests passed | Files passed | Pass rate |', '|---|---|---|---|');
  for (const id of page.areas) {
    const a = report.areas[id];
    if (a === undefined) throw new Error(`${page.slug}: no area ${id} in conformance/report.json`);
    out.push(`| ${a.title} | ${num(a.passed)} / ${num(a.total)} | ${a.filesPassed} / ${a.filesRun} | ${pct(a.passed, a.total)} |`);
  }
  out.push('', 'From `conformance/report.json` (`npm run conformance`); the failing subtests and why are in the [WinterCG compliance](/reference/wintercg/) matrix.', '');
  return out.join('\n');
}

export function renderPage(page, describe, report, values) {
  const file = `${TEMPLATES}/${page.slug}.md`;
  const body = fill(page.markdown, values, file).trimEnd();
  return `---
title: ${page.title}
description: ${page.description}
sidebar:
  order: ${page.order}
---

<!-- Generated by \`npm run docs:gen\` from ${file}, a real NANO isolate and conformance/report.json; do not edit by hand. -->

${body}

${wptSection(page, report)}
${membersSection(page, describe)}`;
}

function renderIndex(pages, report) {
  const rows = pages.map((p) => {
    const areas = p.areas.map((id) => report.areas[id]);
    const passed = areas.reduce((s, a) => s + a.passed, 0);
    const total = areas.reduce((s, a) => s + a.total, 0);
    return `| [${p.title}](/reference/api/${p.slug}/) | ${p.globals.map((g) => `\`${g}\``).join(', ')} | ${pct(passed, total)} |`;
  });
  return `---
title: API reference
description: The web platform APIs a NANO app can use, one page per family, with NANO's limits and its differences from the specs and from Cloudflare Workers.
sidebar:
  order: 0
  label: Overview
---

<!-- Generated by \`npm run docs:gen\` from scripts/docs/api/*.md, a real NANO isolate and conformance/report.json; do not edit by hand. -->

An app's isolate has the WinterTC Minimum Common API and a few more web APIs, and nothing of
Node.js (no \`process\`, \`require\`, \`Buffer\`). Each page says what the API is, shows an example
(a test serves every example with \`nano serve\` and checks its answer), lists NANO's limits and
where NANO differs from the specification and from Cloudflare Workers, and gives the Web Platform
Tests pass rate of its area. The member tables are read from a real isolate.

| Page | Globals | WPT pass rate |
|---|---|---|
${rows.join('\n')}
`;
}

/** { path: content } of every API reference page. */
export async function generateApi(root) {
  const pages = readTemplates(root);
  const report = JSON.parse(readFileSync(join(root, 'conformance/report.json'), 'utf8'));
  const values = await limitValues(root);
  const { added, describe } = await readSurface(root, pages.flatMap((p) => p.globals));
  const documented = new Set(pages.flatMap((p) => p.globals));
  const missing = added.filter((n) => !documented.has(n));
  if (missing.length > 0) throw new Error(`globals of the runtime on no API page (add them to a template in ${TEMPLATES}/): ${missing.join(', ')}`);
  const out = { [`${API_DIR}/index.md`]: renderIndex(pages, report) };
  for (const page of pages) out[`${API_DIR}/${page.slug}.md`] = renderPage(page, describe, report, values);
  return out;
}
