// META parsing, scope choice, script paths, aliases, .sub substitution and globs, without isolates.
import t from 'tap';
import { globToRegExp } from '../../conformance/glob.js';
import { chooseScope, parseMeta, resolveScriptPath, unalias } from '../../conformance/meta.js';
import { needsSubstitution, substitute } from '../../conformance/substitute.js';

t.test('parseMeta reads every key of the header block', async (t) => {
  const meta = parseMeta(
    ['// META: global=window,worker', '// META: script=resources/a.js', '// META: script=/common/b.js', '// META: timeout=long', '// META: title=Hello', '// META: variant=?x', '', 'test(() => {});', '// META: script=late.js'].join('\n'),
  );
  t.same(meta.globals, ['window', 'worker']);
  t.same(meta.scripts, ['resources/a.js', '/common/b.js'], 'META lines after code do not count');
  t.equal(meta.timeout, 'long');
  t.equal(meta.title, 'Hello');
  t.same(meta.variants, ['?x']);
});

t.test('parseMeta defaults', async (t) => {
  const meta = parseMeta('test(() => {});');
  t.same(meta.globals, ['window', 'dedicatedworker'], "WPT's default scopes");
  t.same(meta.scripts, []);
  t.equal(meta.timeout, 'normal');
  t.equal(meta.title, undefined);
  t.same(meta.variants, []);
});

t.test('chooseScope prefers a worker-like scope', async (t) => {
  t.equal(chooseScope(parseMeta('// META: global=window,worker')), 'worker');
  t.equal(chooseScope(parseMeta('// META: global=window,dedicatedworker,shadowrealm')), 'worker');
  t.equal(chooseScope(parseMeta('// META: global=sharedworker')), 'worker');
  t.equal(chooseScope(parseMeta('// META: global=window')), 'window');
  t.equal(chooseScope(parseMeta('// META: global=')), null);
});

t.test('script paths resolve like URLs against the test', async (t) => {
  t.equal(resolveScriptPath('streams/piping/abort.any.js', '../resources/test-utils.js'), 'streams/resources/test-utils.js');
  t.equal(resolveScriptPath('streams/piping/abort.any.js', '/common/gc.js'), 'common/gc.js');
  t.equal(resolveScriptPath('a/b.any.js', 'c.js'), 'a/c.js');
  t.equal(resolveScriptPath('a/b.any.js', 'http://elsewhere.test/x.js'), null, 'other hosts are refused');
  t.equal(unalias('resources/WebIDLParser.js'), 'resources/webidl2/lib/webidl2.js');
  t.equal(unalias('resources/testharness.js'), 'resources/testharness.js');
});

t.test('.sub substitution for the local server', async (t) => {
  const server = { host: 'localhost', otherHost: '127.0.0.1', port: 4567 };
  const url = new URL('http://localhost:4567/dir/x.sub.any.js?encoding=utf-8');
  t.equal(substitute('{{host}}:{{ports[http][0]}}/{{ports[https][1]}}', server, url), 'localhost:4567/4567');
  t.equal(substitute('{{domains[www2]}} {{hosts[alt][]}} {{domains[]}}', server, url), '127.0.0.1 127.0.0.1 localhost');
  t.equal(substitute('{{location[scheme]}} {{location[path]}} {{GET[encoding]}}', server, url), 'http /dir/x.sub.any.js utf-8');
  t.match(substitute('{{uuid()}}', server, url), /^[0-9a-f-]{36}$/);
  t.equal(substitute('{{unknown_function(1)}}', server, url), '{{unknown_function(1)}}', 'unknown expressions stay visible');
  t.ok(needsSubstitution('fetch/api/basic/scheme-blob.sub.any.js'));
  t.ok(needsSubstitution('common/get-host-info.sub.js'));
  t.notOk(needsSubstitution('streams/subclassing.any.js'));
});

t.test('globs', async (t) => {
  const re = globToRegExp('streams/**/*.any.js');
  t.ok(re.test('streams/a.any.js'), '** matches zero folders');
  t.ok(re.test('streams/x/y/a.any.js'));
  t.notOk(re.test('streams/a.window.js'));
  t.notOk(re.test('other/streams/a.any.js'));
  t.ok(globToRegExp('a/?.js').test('a/b.js'));
  t.notOk(globToRegExp('a/*.js').test('a/b/c.js'), '* stays inside one folder');
});
