// Builds the guest runtime (the code that runs inside every isolate) with esbuild:
// - dist/guest/runtime.js: src/runtime-guest/index.ts and what it imports, one script, in every
//   isolate's startup snapshot;
// - dist/guest/units/<name>.js: the runtime units (src/runtime-guest/units.ts; the names are UNITS
//   in src/protocol/bridge.ts), compiled in an isolate on first use. Each is bundled as CommonJS
//   and wrapped as `(function (module, exports, __nano_core) { … })`, `__nano_core(name)` giving a
//   runtime module's bindings. Two are npm polyfills with no
//   imports; the others are the guest modules behind the lazy globals, whose imports of modules in
//   the runtime script are linked to `__nano_core`, so they share the runtime's instances. What
//   only a unit uses (blob-fetch.ts, progress-event.ts) goes into that unit.
//
// dist/guest/runtime-eager.js is the runtime for isolates without the lazy-load native module: the
// same entry with every unit bundled in, as ES modules, as the runtime was before units existed
// (`./eager-units.js` resolves to them; in runtime.js it resolves to undefined).
//
// The link is a generated module (what `./unit-core.js` resolves to in the runtime script): one
// function that, for a runtime module a loading unit imports, makes (once) an object with a getter
// for each binding the units import from it. Passing ES module namespace objects instead cost
// ~125 KiB in every isolate (esbuild gives each namespace a getter closure per export, made at
// start-up).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Where each unit's code comes from: the two npm polyfills are re-exported; every other unit is
 * the guest module of its name (src/runtime-guest/<area>/<name>.ts; file names are unique across
 * the areas). The names and their order are UNITS in src/protocol/bridge.ts (unitSources reads them).
 */
const NPM_UNITS = {
  'web-streams-polyfill': 'module.exports = require("web-streams-polyfill");',
  'urlpattern-polyfill': 'module.exports = require("urlpattern-polyfill/urlpattern");',
};

function unitSources(root) {
  const guest = resolve(root, 'src/runtime-guest');
  const byName = new Map();
  for (const entry of readdirSync(guest, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const name = entry.name.slice(0, -3);
    const path = relative(guest, resolve(entry.parentPath, entry.name));
    if (byName.has(name)) throw new Error(`scripts/build-guest.mjs: two guest modules are named ${name}.ts (${byName.get(name)}, ${path}): units are found by file name`);
    byName.set(name, path);
  }
  const names = [...readFileSync(resolve(root, 'src/protocol/bridge.ts'), 'utf8').matchAll(/^export const UNITS = \[([^\]]*)\]/gm)][0]?.[1].match(/'[^']+'/g)?.map((q) => q.slice(1, -1));
  if (names === undefined || names.length === 0) throw new Error('scripts/build-guest.mjs: found no UNITS list in src/protocol/bridge.ts');
  return Object.fromEntries(names.map((name) => [name, NPM_UNITS[name] !== undefined ? { stdin: NPM_UNITS[name] } : { entry: byName.get(name) ?? missingUnit(name) }]));
}

function missingUnit(name) {
  throw new Error(`scripts/build-guest.mjs: UNITS names ${name}, but no src/runtime-guest/**/${name}.ts exists`);
}

/** Whether `file` is a module of the guest runtime (src/runtime-guest or a folder below it). */
function inGuest(guest, file) {
  return file.startsWith(guest + sep);
}

const COMMON = { bundle: true, platform: 'neutral', target: 'es2024', minify: true, legalComments: 'none', write: false };

export async function buildGuest(root) {
  const guest = resolve(root, 'src/runtime-guest');
  const sources = unitSources(root);

  // Pass 1: which modules the runtime script holds (with an empty link module).
  const first = await buildRuntime(guest, 'export function unitCore(): object { return {}; }');
  const inRuntime = new Set(Object.keys(first.metafile.inputs).map((p) => resolve(root, p)));
  for (const [name, src] of Object.entries(sources)) {
    if (src.entry && inRuntime.has(resolve(guest, src.entry))) {
      throw new Error(`${src.entry} is a runtime unit, but the runtime script imports it: reach it with loadUnit('${name}')`);
    }
  }

  // Pass 2: the units, recording which runtime bindings each imports. A unit's import of another
  // unit's entry module links to that unit (loaded then); any other guest module a unit imports is
  // bundled into it, so one such module in two units would have two instances: refused.
  const imported = new Map(); // runtime module name -> Set of binding names
  const modulePaths = new Map(); // runtime module name -> its path below src/runtime-guest, without .ts
  const unitEntries = new Map(Object.entries(sources).filter(([, src]) => src.entry).map(([name, src]) => [resolve(guest, src.entry), name]));
  const bundledIn = new Map(); // guest module bundled into a unit -> that unit
  const units = {};
  for (const [name, src] of Object.entries(sources)) {
    const unit = await build({
      ...COMMON,
      ...(src.stdin ? { stdin: { contents: src.stdin, resolveDir: root, loader: 'js' } } : { entryPoints: [resolve(guest, src.entry)], plugins: [linkToRuntime(root, guest, name, inRuntime, unitEntries, imported, modulePaths)] }),
      format: 'cjs',
      metafile: true,
    });
    for (const input of Object.keys(unit.metafile.inputs)) {
      const file = resolve(root, input);
      if (!inGuest(guest, file)) continue;
      const other = bundledIn.get(file);
      if (other !== undefined) throw new Error(`${relative(root, file)} is bundled into units ${other} and ${name}: make it a unit of its own (UNITS) or import it from the runtime`);
      bundledIn.set(file, name);
    }
    units[name] = `(function (module, exports, __nano_core) {${unit.outputFiles[0].text}\n})`;
  }

  // Pass 3: the runtime script with the generated link module, and the eager runtime.
  const result = await buildRuntime(guest, linkModule(imported, modulePaths));
  const code = result.outputFiles[0].text;
  const eager = (await buildRuntime(guest, 'export function unitCore(): object { return {}; }', eagerUnitsModule(sources))).outputFiles[0].text;
  mkdirSync(resolve(root, 'dist/guest/units'), { recursive: true });
  writeFileSync(resolve(root, 'dist/guest/runtime.js'), code);
  writeFileSync(resolve(root, 'dist/guest/runtime-eager.js'), eager);
  console.log(`guest runtime: ${(code.length / 1024).toFixed(1)} KiB (without the lazy-load addon: ${(eager.length / 1024).toFixed(1)} KiB)`);
  for (const [name, text] of Object.entries(units)) {
    writeFileSync(resolve(root, `dist/guest/units/${name}.js`), text);
    console.log(`guest unit ${name}: ${(text.length / 1024).toFixed(1)} KiB`);
  }
}

/** `./eager-units.js` of the eager runtime: every unit's module, bundled in. */
function eagerUnitsModule(unitSources) {
  const lines = [];
  const entries = [];
  Object.entries(unitSources).forEach(([name, src], i) => {
    if (src.entry) {
      lines.push(`import * as u${i} from './${src.entry.replace(/\.ts$/, '.js')}';`);
      entries.push(`${JSON.stringify(name)}: u${i}`);
    } else if (name === 'web-streams-polyfill') {
      lines.push(`import * as u${i} from 'web-streams-polyfill';`);
      entries.push(`${JSON.stringify(name)}: u${i}`);
    } else {
      // Evaluated when first used, as before: esbuild wraps a required CommonJS module lazily.
      entries.push(`${JSON.stringify(name)}: { get URLPattern() { return (require('urlpattern-polyfill/urlpattern') as { URLPattern: unknown }).URLPattern; } }`);
    }
  });
  return `${lines.join('\n')}\ndeclare const require: (id: string) => unknown;\nexport const EAGER_UNITS: Readonly<Record<string, unknown>> | undefined = { ${entries.join(', ')} };\n`;
}

function buildRuntime(guest, linkSource, eagerUnits = 'export const EAGER_UNITS = undefined;') {
  return build({
    ...COMMON,
    entryPoints: [resolve(guest, 'index.ts')],
    format: 'iife',
    keepNames: false,
    metafile: true,
    plugins: [
      {
        name: 'nano-unit-core',
        setup(b) {
          b.onResolve({ filter: /(^|\/)(unit-core|eager-units)\.js$/ }, (args) => ({ path: basename(args.path, '.js'), namespace: 'nano-generated' }));
          b.onLoad({ filter: /.*/, namespace: 'nano-generated' }, (args) => ({ contents: args.path === 'unit-core' ? linkSource : eagerUnits, loader: 'ts', resolveDir: guest }));
        },
      },
    ],
  });
}

/**
 * Links a unit's imports of runtime-script modules to `__nano_core(module)`, noting the names, and
 * its imports of another unit's entry module to `__nano_core('@' + unit)`: that unit's exports.
 */
function linkToRuntime(root, guest, unit, inRuntime, unitEntries, imported, modulePaths) {
  return {
    name: 'nano-core',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        const other = unitEntries.get(file);
        if (other !== undefined && other !== unit) return { path: `@${other}`, namespace: 'nano-core' };
        if (!inRuntime.has(file)) return undefined;
        // The protocol's constants (src/protocol) hold no state: a unit gets its own copy.
        if (dirname(file) === resolve(root, 'src/protocol')) return undefined;
        if (!inGuest(guest, file)) {
          return { errors: [{ text: `unit ${unit} imports ${relative(root, file)}: units may import only modules of src/runtime-guest` }] };
        }
        // Keyed by file name (unique across the guest's folders: unitSources checks), so the
        // runtime's link table stays as short as the names.
        const module = basename(file, '.ts');
        modulePaths.set(module, relative(guest, file).replace(/\.ts$/, '').split(sep).join('/'));
        const names = imported.get(module) ?? new Set();
        imported.set(module, names);
        for (const n of importedNames(args.importer, args.path)) names.add(n);
        return { path: module, namespace: 'nano-core' };
      });
      b.onLoad({ filter: /.*/, namespace: 'nano-core' }, (args) => ({ contents: `module.exports = __nano_core(${JSON.stringify(args.path)});`, loader: 'js' }));
    },
  };
}

/** The value bindings `file` imports from `specifier` (type-only ones excluded). */
function importedNames(file, specifier) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names = [];
  for (const st of source.statements) {
    if (!ts.isImportDeclaration(st) && !ts.isExportDeclaration(st)) continue;
    if (st.moduleSpecifier === undefined || st.moduleSpecifier.text !== specifier) continue;
    if (ts.isExportDeclaration(st)) throw new Error(`${file}: re-exporting from ${specifier} is not supported in a unit`);
    const clause = st.importClause;
    if (clause === undefined || clause.isTypeOnly) continue;
    if (clause.name !== undefined || (clause.namedBindings !== undefined && !ts.isNamedImports(clause.namedBindings))) {
      throw new Error(`${file}: a unit imports ${specifier} by name only (import { … })`);
    }
    for (const el of clause.namedBindings?.elements ?? []) if (!el.isTypeOnly) names.push((el.propertyName ?? el.name).text);
  }
  return names;
}

/**
 * The generated `./unit-core.js`: per runtime module, an object made on the first unit load that
 * imports it, with getters, so a unit sees a binding's current value, as an import would.
 */
function linkModule(imported, modulePaths) {
  const lines = [];
  const cases = [];
  let i = 0;
  for (const [module, names] of [...imported].sort(([a], [b]) => a.localeCompare(b))) {
    const local = [...names].sort().map((n) => [n, `m${i}_${n}`]);
    if (local.length > 0) lines.push(`import { ${local.map(([n, l]) => `${n} as ${l}`).join(', ')} } from './${modulePaths.get(module)}.js';`);
    cases.push(`    case ${JSON.stringify(module)}: return { ${local.map(([n, l]) => `get ${n}() { return ${l}; }`).join(', ')} };`);
    i++;
  }
  return `${lines.join('\n')}
import { unitExports } from './core/units.js';
import type { UnitName } from '../protocol/bridge.js';
const made = new Map<string, object>();
function make(module: string): object {
  switch (module) {
${cases.join('\n')}
    default: throw new Error('no runtime module ' + module + ' for units');
  }
}
export function unitCore(module: string): object {
  if (module.startsWith('@')) return unitExports(module.slice(1) as UnitName) as object;
  let m = made.get(module);
  if (m === undefined) made.set(module, (m = make(module)));
  return m;
}
`;
}
