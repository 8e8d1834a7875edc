// Builds the one script a comparison child process runs: the conformance prelude and reporter around testharness.js, then the file's scripts.
import { reporterScript, preludeScript, controlName } from '../../dist/conformance/harness-scripts.js';

/**
 * The driver is plain JavaScript that Deno and Node run alike. Each WPT script runs through
 * node:vm's runInThisContext (both runtimes have it) as a classic script of the global scope, so
 * its `var`s and functions become globals and its top-level `const`s and `let`s are seen by the
 * scripts after it, as with a worker's importScripts (an indirect eval would keep those to
 * itself); an error in one is reported and the next one runs, as in a browser. `self` is aliased to globalThis only where the runtime lacks it (Node), since
 * testharness.js starts from `self`; nothing else is added. At the end the driver calls done()
 * and, at the deadline, the harness's timeout().
 */
export function childScript({ url, scope, title, importable, testharness, scripts, marker, nonce, selfContained, timeoutMs }) {
  const parts = [
    ['wpt:prelude.js', preludeScript({ url, scope, ...(title === undefined ? {} : { title }), ...(importable === undefined ? {} : { importable }) })],
    ['/resources/testharness.js', testharness],
    ['wpt:reporter.js', reporterScript(marker, nonce, selfContained)],
    ...scripts,
  ];
  return `'use strict';
if (typeof globalThis.self === 'undefined') Object.defineProperty(globalThis, 'self', { value: globalThis, writable: true, configurable: true });
const parts = ${JSON.stringify(parts)};
const out = (value) => console.log(${JSON.stringify(marker)} + JSON.stringify(value));
const { runInThisContext } = await import('node:vm');
let failed = false;
for (const [name, code] of parts) {
  try {
    runInThisContext(code, { filename: name });
  } catch (error) {
    failed = true;
    out({ e: 'uncaught in ' + name + ': ' + (error && error.stack ? String(error.stack).split('\\n')[0] : String(error)) });
  }
}
const control = globalThis[${JSON.stringify(controlName(nonce))}];
if (control && (${JSON.stringify(!selfContained)} || failed)) control.done();
setTimeout(() => { if (control) control.timeout(); }, ${timeoutMs});
`;
}
