// `npm run wpt:sync`: fills the ignored wpt/suite/<source>/ folders with the pinned WPT subset (never committed).
//
//   npm run wpt:sync                          download each pinned source from GitHub (git, else tarball)
//   npm run wpt:sync -- --from DIR [--from DIR2]
//                                             copy from local checkouts; each DIR is matched to the
//                                             sources whose paths it holds (a WPT root, or a repo
//                                             whose pinned `subdir` holds one)
//   npm run wpt:sync -- --from wpt-2025-08=DIR  copy one named source from DIR
//   npm run wpt:sync -- --git GITDIR [--git GITDIR2]
//                                             take each source from a local git repository (bare or
//                                             not) holding its pinned commit or a listed mirror commit;
//                                             the exact commit is then recorded
//   --assume-pinned                           record the pinned commit for --from copies that are not
//                                             git checkouts (you vouch for them)
//   --source NAME (repeatable)                only these sources
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const suite = join(root, 'wpt', 'suite');
const RECORD = '.nano-wpt-source.json';
const pin = JSON.parse(readFileSync(join(root, 'wpt', 'pin.json'), 'utf8'));

const { values } = parseArgs({
  options: {
    from: { type: 'string', multiple: true, default: [] },
    git: { type: 'string', multiple: true, default: [] },
    'assume-pinned': { type: 'boolean', default: false },
    source: { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0].replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}

const wanted = values.source ?? Object.keys(pin.sources);
for (const name of wanted) {
  if (!pin.sources[name]) fail(`unknown source "${name}"; wpt/pin.json defines ${Object.keys(pin.sources).join(', ')}`);
}

function fail(message) {
  console.error(`wpt:sync: ${message}`);
  process.exit(1);
}

/** The WPT root inside DIR for a source: DIR itself, or DIR/<subdir> of the pin or of a mirror. */
function wptRootIn(dir, source) {
  const candidates = [dir, ...[source.subdir, ...source.mirrors.map((m) => m.subdir)].filter(Boolean).map((s) => join(dir, s))];
  const required = source.paths.filter((path) => path !== 'LICENSE.md');
  return candidates.find((candidate) => required.every((path) => existsSync(join(candidate, path)))) ?? null;
}

/** Best-effort commit of a local checkout, for the record (git HEAD when it is a git work tree). */
function localCommit(dir) {
  const result = spawnSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : 'unknown';
}

/** Replaces wpt/suite/<name>/ with the pinned paths copied from `from`. */
function install(name, source, from, commit, origin, repository = source.repository) {
  const target = join(suite, name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const path of source.paths) {
    const src = join(from, path);
    if (!existsSync(src)) {
      console.warn(`  ${name}: ${path} is missing in ${from}; skipped`);
      continue;
    }
    cpSync(src, join(target, path), { recursive: true, dereference: true });
  }
  writeFileSync(join(target, RECORD), `${JSON.stringify({ source: name, repository, commit, origin, syncedAt: new Date().toISOString() }, null, 2)}\n`);
  const pinned = [source.commit, ...source.mirrors.map((m) => m.commit)];
  const drift = pinned.includes(commit) ? '' : ` (NOT the pinned ${source.commit.slice(0, 12)})`;
  console.log(`  ${name}: ${source.paths.length} paths -> wpt/suite/${name}/ at ${commit === 'unknown' ? 'an unknown commit' : commit.slice(0, 12)}${drift}`);
}

/** Copies from local directories given with --from. */
function syncFromLocal() {
  const explicit = new Map();
  const loose = [];
  for (const value of values.from) {
    const eq = value.indexOf('=');
    if (eq > 0 && pin.sources[value.slice(0, eq)]) explicit.set(value.slice(0, eq), resolve(value.slice(eq + 1)));
    else loose.push(resolve(value));
  }
  for (const dir of [...explicit.values(), ...loose]) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`--from ${dir}: no such directory`);
  }
  let synced = 0;
  for (const name of wanted) {
    const source = pin.sources[name];
    const dirs = explicit.has(name) ? [explicit.get(name)] : loose;
    const found = dirs.map((dir) => wptRootIn(dir, source)).find((path) => path !== null);
    if (!found) {
      console.warn(`  ${name}: none of the --from folders holds ${source.paths.join(', ')}; not synced`);
      continue;
    }
    const commit = localCommit(found);
    const assumed = commit === 'unknown' && values['assume-pinned'];
    install(name, source, found, assumed ? source.commit : commit, `local copy ${found}${assumed ? ' (commit asserted with --assume-pinned)' : ''}`);
    synced++;
  }
  if (synced === 0) fail('nothing was synced');
}

/** Extracts each source from a local git repository that has its pinned (or a mirror) commit. */
function syncFromGit() {
  let synced = 0;
  for (const name of wanted) {
    const source = pin.sources[name];
    const candidates = [{ repository: source.repository, commit: source.commit, subdir: source.subdir }, ...source.mirrors];
    let done = false;
    for (const gitDir of values.git.map((dir) => resolve(dir))) {
      const has = (commit) => spawnSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}^{commit}`]).status === 0;
      const hit = candidates.find((candidate) => has(candidate.commit));
      if (!hit) continue;
      const work = mkdtempSync(join(tmpdir(), `nano-wpt-${name}-`));
      try {
        const prefix = hit.subdir ? `${hit.subdir}/` : '';
        const members = source.paths.map((path) => `${prefix}${path}`);
        const script = 'd="$0"; c="$1"; w="$2"; shift 2; git --git-dir="$d" archive "$c" -- "$@" | tar -x -C "$w"';
        const archive = spawnSync('sh', ['-c', script, gitDir, hit.commit, work, ...members], { stdio: ['ignore', 'inherit', 'inherit'] });
        if (archive.status !== 0) throw new Error(`git archive ${hit.commit} failed in ${gitDir}`);
        install(name, source, join(work, hit.subdir), hit.commit, `git ${gitDir}`, hit.repository);
        synced++;
        done = true;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      break;
    }
    if (!done) console.warn(`  ${name}: no --git repository has ${candidates.map((c) => c.commit.slice(0, 12)).join(' or ')}; not synced`);
  }
  if (synced === 0) fail('nothing was synced');
}

/** Fetches one source at its pinned commit: a shallow sparse git fetch, else GitHub's tarball. */
function download(name, source) {
  const work = mkdtempSync(join(tmpdir(), `nano-wpt-${name}-`));
  const sub = (path) => (source.subdir ? `${source.subdir}/${path}` : path);
  try {
    const url = `https://github.com/${source.repository}.git`;
    const git = (...args) => execFileSync('git', ['-C', work, ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
    let ok = false;
    try {
      git('init', '-q');
      git('remote', 'add', 'origin', url);
      git('sparse-checkout', 'set', '--no-cone', ...source.paths.map((path) => `/${sub(path)}`));
      git('fetch', '-q', '--depth=1', '--filter=blob:none', 'origin', source.commit);
      git('checkout', '-q', 'FETCH_HEAD');
      ok = true;
    } catch (error) {
      console.warn(`  ${name}: git fetch failed (${String(error.stderr ?? error.message).trim().split('\n').pop()}); trying the tarball`);
    }
    if (!ok) {
      const tarball = `https://codeload.github.com/${source.repository}/tar.gz/${source.commit}`;
      const prefix = `${source.repository.split('/')[1]}-${source.commit}`;
      const members = source.paths.map((path) => `${prefix}/${sub(path)}`);
      const script = 'u="$0"; w="$1"; shift; curl -fsSL "$u" | tar -xz -C "$w" "$@"';
      const curl = spawnSync('sh', ['-c', script, tarball, work, ...members], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (curl.status !== 0) throw new Error(`cannot download ${tarball}`);
      install(name, source, join(work, prefix, source.subdir), source.commit, tarball);
      return;
    }
    install(name, source, join(work, source.subdir), source.commit, url);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function syncOnline() {
  for (const name of wanted) {
    const source = pin.sources[name];
    console.log(`  ${name}: fetching ${source.repository}@${source.commit.slice(0, 12)} (${source.paths.join(', ')})`);
    try {
      download(name, source);
    } catch (error) {
      fail(`${name}: ${error.message}\nGitHub is not reachable from here? Copy from a local checkout instead:\n  npm run wpt:sync -- --from DIR`);
    }
  }
}

console.log(`wpt:sync into ${suite}`);
if (values.git.length > 0) syncFromGit();
if (values.from.length > 0) syncFromLocal();
if (values.git.length === 0 && values.from.length === 0) syncOnline();
console.log('done; run `npm run conformance`.');
