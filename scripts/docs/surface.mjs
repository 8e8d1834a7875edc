// Reads the web platform surface an app sees from a real NANO isolate (the one the conformance
// runner builds, with the runtime installed as for apps): every global the runtime adds to a bare
// V8 context, and for each the members of the interface or namespace object behind it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs inside the isolate: `names` are the globals to describe, `marker` tags the one console
 * line that carries the result back. Kept as plain ES5-ish code: it runs before anything else.
 */
function probe(names, marker) {
  var skipStatic = { length: 1, name: 1, prototype: 1, arguments: 1, caller: 1 };
  function keyName(key) {
    return typeof key === 'symbol' ? '[' + String(key.description) + ']' : key;
  }
  function members(obj, isStatic) {
    var out = [];
    var keys = Reflect.ownKeys(obj);
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i];
      if (key === 'constructor') continue;
      if (isStatic && typeof key === 'string' && skipStatic[key]) continue;
      if (key === Symbol.toStringTag) continue;
      // Symbol-keyed internals of the streams polyfill are not API; well-known symbols are.
      if (typeof key === 'symbol' && Symbol[String(key.description).replace(/^Symbol\./, '')] !== key) continue;
      var d = Object.getOwnPropertyDescriptor(obj, key);
      var kind;
      if (d.get !== undefined || d.set !== undefined) kind = d.set === undefined ? 'read-only property' : 'property';
      else if (typeof d.value === 'function') kind = /^[A-Z]/.test(keyName(key)) && d.value.prototype !== undefined ? 'interface' : 'method';
      else kind = d.writable ? 'property' : 'constant';
      out.push({ name: keyName(key), kind: (isStatic ? 'static ' : '') + kind });
    }
    return out;
  }
  function parentOf(proto) {
    var parent = Object.getPrototypeOf(proto);
    if (parent === null || parent === Object.prototype || parent === Function.prototype) return null;
    var ctor = Object.getOwnPropertyDescriptor(parent, 'constructor');
    return ctor !== undefined && typeof ctor.value === 'function' ? ctor.value.name : null;
  }
  var result = {};
  for (var i = 0; i < names.length; i++) {
    var name = names[i];
    var value = globalThis[name];
    var type = typeof value;
    if (value === globalThis) {
      result[name] = { type: 'global', members: [] };
    } else if (type === 'function' && value.prototype !== undefined && /^[A-Z]/.test(name)) {
      result[name] = { type: 'interface', extends: parentOf(value.prototype), members: members(value, true).concat(members(value.prototype, false)) };
    } else if (type === 'function') {
      result[name] = { type: 'function', members: [] };
    } else if (type === 'object' && value !== null) {
      var own = members(value, false);
      var proto = Object.getPrototypeOf(value);
      var inherited = proto === null || proto === Object.prototype ? [] : members(proto, false);
      result[name] = { type: 'namespace', members: own.concat(inherited) };
    } else {
      result[name] = { type: type, members: [] };
    }
  }
  console.log(marker + JSON.stringify(result));
}

/** Globals a bare V8 context has (isolated-vm's, with no NANO runtime). */
async function bareGlobals(root) {
  const ivm = (await import(pathToFileURL(join(root, 'node_modules/isolated-vm/isolated-vm.js')).href)).default;
  const isolate = new ivm.Isolate({ memoryLimit: 16 });
  try {
    const context = await isolate.createContext();
    return new Set(JSON.parse(await context.eval('JSON.stringify(Object.getOwnPropertyNames(globalThis))')));
  } finally {
    isolate.dispose();
  }
}

/**
 * Returns { added: names the runtime adds to the global, sorted; describe: { name: { type,
 * extends?, members: [{ name, kind }] } } } for the given names (and the added ones).
 */
export async function readSurface(root, names) {
  const { createTestIsolate } = await import(pathToFileURL(join(root, 'dist/conformance/isolate-factory.js')).href);
  const bare = await bareGlobals(root);
  const marker = `\u0001NANO-DOCS-${randomBytes(8).toString('hex')}:`;
  let seen;
  const isolate = await createTestIsolate({
    name: 'docs:surface',
    onLog: (_level, text) => {
      const at = text.indexOf(marker);
      if (at !== -1) seen = JSON.parse(text.slice(at + marker.length));
    },
  });
  let added;
  try {
    const listed = new Set();
    await isolate.runScript(`console.log(${JSON.stringify(marker)} + JSON.stringify(Object.getOwnPropertyNames(globalThis)))`, 'docs:globals.js', 5000);
    for (let waited = 0; seen === undefined && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    if (seen === undefined) throw new Error('the docs surface probe printed nothing');
    added = seen.filter((n) => !bare.has(n) && !n.startsWith('__')).sort();
    for (const n of [...added, ...names]) listed.add(n);
    seen = undefined;
    await isolate.runScript(`(${probe.toString()})(${JSON.stringify([...listed])}, ${JSON.stringify(marker)})`, 'docs:surface.js', 5000);
    for (let waited = 0; seen === undefined && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    if (seen === undefined) throw new Error('the docs surface probe printed nothing');
  } finally {
    isolate.dispose();
  }
  return { added, describe: seen };
}
