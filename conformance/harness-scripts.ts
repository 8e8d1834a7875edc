// The runner's own scripts that run inside the isolate around testharness.js: the prelude and the reporter.
import type { ScopeKind } from './types.js';

/** What the prelude needs to set up the scope a test file expects. */
export interface PreludeOptions {
  /** The test's URL on the runner's static server (with the variant as its query). */
  readonly url: string;
  readonly scope: ScopeKind;
  /** `title=` from META, exposed as `META_TITLE` like wptserve's wrappers do. */
  readonly title?: string;
  /** For `.worker.js` files: sources of the scripts the file passes to importScripts, by URL. */
  readonly importable?: Readonly<Record<string, string>>;
}

/**
 * The prelude stands in for what wptserve's `.any.js` wrappers and a worker's global provide:
 * `GLOBAL` (which scope this is), `META_TITLE`, a `location` for the test's URL (only when the
 * runtime has none), and `importScripts` for `.worker.js` files. It adds no web API.
 */
export function preludeScript(options: PreludeOptions): string {
  const url = new URL(options.url);
  const location = {
    href: url.href,
    origin: url.origin,
    protocol: url.protocol,
    host: url.host,
    hostname: url.hostname,
    port: url.port,
    pathname: url.pathname,
    search: url.search,
    hash: url.hash,
  };
  return `(function () {
  'use strict';
  var g = globalThis;
  function define(name, value) {
    Object.defineProperty(g, name, { value: value, writable: true, configurable: true, enumerable: false });
  }
  var scope = ${JSON.stringify(options.scope)};
  define('GLOBAL', {
    isWindow: function () { return scope === 'window'; },
    isWorker: function () { return scope === 'worker'; },
    isShadowRealm: function () { return false; },
  });
  ${options.title === undefined ? '' : `define('META_TITLE', ${JSON.stringify(options.title)});`}
  if (!('location' in g)) {
    var data = ${JSON.stringify(location)};
    var proto = { toString: function () { return this.href; } };
    var loc = Object.create(proto);
    for (var key in data) Object.defineProperty(loc, key, { value: data[key], enumerable: true });
    define('location', Object.freeze(loc));
  }
  ${options.importable === undefined ? '' : importScriptsSource(url.href, options.importable)}
})();
`;
}

/** importScripts over sources the runner read beforehand; testharness.js itself is already loaded. */
function importScriptsSource(base: string, importable: Readonly<Record<string, string>>): string {
  return `var sources = ${JSON.stringify(importable)};
  var indirectEval = eval;
  define('importScripts', function importScripts() {
    for (var i = 0; i < arguments.length; i++) {
      var url = new URL(String(arguments[i]), ${JSON.stringify(base)}).pathname;
      if (/\\/resources\\/testharness(report)?\\.js$/.test(url)) continue;
      if (!Object.prototype.hasOwnProperty.call(sources, url)) throw new Error('importScripts: the runner did not preload ' + url);
      indirectEval(sources[url]);
    }
  });`;
}

/** The global through which the host drives the harness; the nonce keeps tests from colliding with it. */
export function controlName(nonce: string): string {
  return `__nanoWpt_${nonce}`;
}

/**
 * The reporter runs right after testharness.js. It asks for an explicit done() (as wptserve's
 * worker wrappers do, so the harness waits for the whole file), then prints every result and the
 * completion as `marker + JSON` through the console.log it captured before any test code ran.
 * Messages: {"r": [name, status, message]} per subtest; {"d": [harnessStatus, message, late]}
 * at completion, where `late` lists subtests that never went through the result callback. The
 * host drives the harness through the control object: loaded() (fires "install" once every
 * script ran), done() and timeout().
 */
export function reporterScript(marker: string, nonce: string, selfContained: boolean): string {
  return `(function () {
  'use strict';
  var log = console.log;
  var stringify = JSON.stringify;
  var out = function (value) { log.call(console, ${JSON.stringify(marker)} + stringify(value)); };
  var text = function (value) { return value === undefined || value === null ? null : String(value).slice(0, 2000); };
  var reported = new Set();
  // The global is a ServiceWorkerGlobalScope, so testharness.js waits for the "install" event a
  // browser fires once the worker's scripts ran; the host asks for it through loaded().
  var dispatch = globalThis.dispatchEvent;
  var EventCtor = globalThis.Event;
  ${selfContained ? '' : 'setup({ explicit_done: true });'}
  add_result_callback(function (test) {
    reported.add(test);
    out({ r: [String(test.name), test.status, text(test.message)] });
  });
  add_completion_callback(function (tests, status) {
    var late = [];
    for (var i = 0; i < tests.length; i++) {
      var test = tests[i];
      if (!reported.has(test)) late.push([String(test.name), test.status, text(test.message)]);
    }
    out({ d: [status.status, text(status.message), late] });
  });
  Object.defineProperty(globalThis, ${JSON.stringify(controlName(nonce))}, {
    value: Object.freeze({
      done: done,
      timeout: timeout,
      loaded: function () { dispatch.call(globalThis, new EventCtor('install')); },
    }),
    enumerable: false,
  });
})();
`;
}

/** testharness.js subtest status numbers, in the order its Test.statuses defines them. */
export const SUBTEST_STATUS = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'] as const;

/** testharness.js harness status numbers, in the order its TestsStatus.statuses defines them. */
export const HARNESS_STATUS = ['OK', 'ERROR', 'TIMEOUT', 'PRECONDITION_FAILED'] as const;
