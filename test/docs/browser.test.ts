// The built docs site in a real headless Chromium: every page loads without console errors and
// without horizontal overflow at 1280 px, the compliance table has rows, search finds pages, the
// getting-started page works at 390 px, and screenshots of key pages go to .ci/artifacts/docs/.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/serve.js';
import { serveStatic } from '../helpers/static-site.js';

const CHROMIUM = '/usr/bin/chromium';
const DOCS = join(ROOT, 'docs');
const ARTIFACTS = join(ROOT, '.ci/artifacts/docs');
// Chromium reaches for the network at start (updates, sync, QUIC probes); offline it then stalls.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!existsSync(CHROMIUM)) {
  const reason = `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`;
  if (process.env.CI === 'true') t.fail(reason);
  else t.plan(0, reason);
} else {
  // Building the site takes ~10 s alone and much longer on a busy machine, then every page loads.
  t.setTimeout(600_000);
  // One parent test for the whole run: the root test would end while the build and the browser start.
  await t.test('the built docs site in headless Chromium', { timeout: 600_000 }, run);
}

/** Runs a command in docs/; a failure throws with the end of its output. */
function step(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { cwd: DOCS, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-3000)}`);
  }
}

async function run(t: Test): Promise<void> {
  // The docs are their own npm project; a fresh clone has no docs/node_modules yet.
  if (!existsSync(join(DOCS, 'node_modules/.bin/astro'))) step('npm', ['ci', '--no-audit', '--no-fund']);
  // A build of its own, so a concurrent `npm run build` in docs/ never serves this test half a site.
  const out = mkdtempSync(join(tmpdir(), 'nano-docs-site-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  step(join(DOCS, 'node_modules/.bin/astro'), ['build', '--outDir', out]);

  const sitemap = readFileSync(join(out, 'sitemap-0.xml'), 'utf8');
  const paths = [...sitemap.matchAll(/<loc>https?:\/\/[^/<]+(\/[^<]*)<\/loc>/g)].map((m) => m[1] ?? '/');
  t.ok(paths.length >= 25, `the sitemap lists every page (${paths.length})`);

  const site = await serveStatic(out);
  t.teardown(() => site.close());
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'nano-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  t.teardown(async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));

  /** Page width beyond the viewport, and wide elements that scroll the page rather than their own box. */
  // A string, not a function: this project compiles without the DOM's types.
  const overflow = (): Promise<{ page: number; tables: string[] }> =>
    page.evaluate(`(() => {
      const root = document.documentElement;
      const tables = [...document.querySelectorAll('table')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
        .map((el) => (el.textContent || '').slice(0, 40));
      return { page: root.scrollWidth - root.clientWidth, tables };
    })()`);

  await t.test('every page at 1280 px: loads, no console errors, no horizontal overflow', async (t) => {
    for (const path of paths) {
      errors.length = 0;
      const res = await page.goto(site.url + path, { waitUntil: 'load' });
      t.equal(res?.status(), 200, `${path}: 200`);
      t.same(errors, [], `${path}: no console errors`);
      const o = await overflow();
      t.equal(o.page, 0, `${path}: the page does not scroll sideways`);
      t.same(o.tables, [], `${path}: wide tables scroll inside their own box`);
    }
  });

  await t.test('the 404 page is the site\'s own', async (t) => {
    const res = await page.goto(`${site.url}/no/such/page/`, { waitUntil: 'load' });
    t.equal(res?.status(), 404);
    t.match(await page.title(), /Page not found/);
    t.ok(await page.locator('a[href="/reference/api/"]').count(), 'links to the API reference');
  });

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  await t.test('the compliance matrix has rows', async (t) => {
    await page.goto(`${site.url}/reference/wintercg/`);
    const rows = await page.locator('.sl-markdown-content table tbody tr').count();
    t.ok(rows >= 10, `compliance tables have ${rows} rows`);
    await shot('wintercg');
  });

  await t.test('search finds pages (Pagefind on the built site)', async (t) => {
    await page.goto(`${site.url}/`);
    await page.locator('button[data-open-modal]').first().click();
    const input = page.locator('dialog[open] input[type="search"], dialog[open] input').first();
    await input.fill('subrequests');
    const result = page.locator('dialog[open] .pagefind-ui__result-link');
    await result.first().waitFor({ timeout: 20_000 });
    const links = await result.evaluateAll((els) => els.map((el) => el.getAttribute('href') ?? ''));
    t.ok(links.length > 0, `${links.length} results`);
    t.ok(links.some((href) => href.includes('/reference/api/fetch/')), 'the fetch page is among them');
    await shot('search');
  });

  await t.test('key pages: screenshots', async (t) => {
    for (const [name, path] of [['overview', '/'], ['config', '/reference/config/'], ['api-fetch', '/reference/api/fetch/'], ['performance', '/guides/performance/'], ['troubleshooting', '/reference/troubleshooting/']] as const) {
      await page.goto(site.url + path);
      t.ok((await shot(name)).length > 1000, `${name}.png`);
    }
    t.ok(await page.goto(`${site.url}/guides/performance/`).then(() => page.locator('svg[role="img"] rect').count()) >= 4, 'the performance chart has bars');
  });

  await t.test('getting started at 390 px', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    errors.length = 0;
    await page.goto(`${site.url}/guides/getting-started/`);
    t.same(errors, [], 'no console errors');
    const o = await overflow();
    t.equal(o.page, 0, 'the page does not scroll sideways');
    t.same(o.tables, [], 'wide tables scroll inside their own box');
    t.ok(await page.locator('h1').isVisible(), 'the title is visible');
    await shot('getting-started-390');
  });
}
