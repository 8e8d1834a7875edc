// The repository's Dockerfile, without Docker: linted (dockerfile-utils), its structure checked
// (dockerfile-ast: stages, non-root user, an init forwarding SIGTERM to `node bin/nano.js`, no
// npx), and the runtime stage's file set assembled from this checkout and served from.
import t from 'tap';
import { readFileSync, mkdtempSync, cpSync, symlinkSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { ROOT, cleanEnv, fetchRaw } from '../helpers/serve.js';

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());

/** The instructions of each stage, by stage name (the last one also as 'final'). */
const stages = new Map<string, Instruction[]>();
let current: Instruction[] = [];
for (const i of dockerfile.getInstructions()) {
  if (i.getKeyword() === 'FROM') {
    current = [];
    stages.set(args(i)[2] ?? `#${stages.size}`, current);
  }
  current.push(i);
}
const finalName = [...stages.keys()].at(-1) as string;
const final = stages.get(finalName) as Instruction[];
const inFinal = (kw: string): Instruction[] => final.filter((i) => i.getKeyword() === kw);
const exec = (i: Instruction): string[] => JSON.parse(i.getArgumentsContent() ?? 'null') as string[];

t.test('the Dockerfile lints clean', async (t) => {
  t.same(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`), []);
});

t.test('multi-stage, Node 24, production dependencies only in the image', async (t) => {
  t.ok(stages.size >= 3, `${stages.size} stages`);
  const base = dockerfile.getInitialARGs().map((a) => a.getProperty()).find((p) => p?.getName() === 'NODE_IMAGE')?.getValue();
  t.match(base, /^node:24[.-]/, 'the base image is Node 24');
  for (const copy of dockerfile.getCOPYs()) {
    const from = copy.getFromFlag()?.getValue();
    if (from !== undefined && from !== null) t.ok(stages.has(from), `COPY --from=${from} names a stage`);
  }
  const nodeModules = dockerfile.getCOPYs().find((c) => final.includes(c) && args(c).some((a) => a.endsWith('node_modules')));
  const depsStage = nodeModules?.getFromFlag()?.getValue() as string;
  const depsRun = (stages.get(depsStage) ?? []).filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n');
  t.match(depsRun, /npm ci --omit=dev/, `node_modules come from "${depsStage}", installed with npm ci --omit=dev`);
});

t.test('runs as a non-root user, under an init that forwards SIGTERM to node bin/nano.js', async (t) => {
  const user = inFinal('USER').at(-1);
  t.ok(user !== undefined && !['root', '0'].includes(args(user)[0]?.split(':')[0] ?? 'root'), `USER ${user === undefined ? '(none)' : args(user).join(' ')}`);
  const [entrypoint] = inFinal('ENTRYPOINT');
  const [cmd] = inFinal('CMD');
  t.ok(entrypoint !== undefined && cmd !== undefined);
  const ep = exec(entrypoint as Instruction);
  t.ok(Array.isArray(ep), 'ENTRYPOINT is in exec form (a shell form would put sh between the signal and node)');
  t.same(ep.slice(0, 2), ['/usr/bin/tini', '--'], 'tini is PID 1');
  t.equal(ep[2], 'node', 'tini starts node itself');
  t.match(ep[3], /bin\/nano\.js$/);
  const command = [...ep, ...exec(cmd as Instruction)].join(' ');
  t.notMatch(command, /\bnpx\b|\bnpm\b/, 'no npx or npm between the signal and the server');
  t.match(command, /\bserve\b/);
  t.same(args(inFinal('STOPSIGNAL')[0] as Instruction), ['SIGTERM']);
  t.ok(inFinal('RUN').some((r) => /apt-get install[^\n]*\btini\b/.test(r.getArgumentsContent() ?? '')), 'tini is installed in the final stage');
});

t.test('.dockerignore keeps local installs and build output out, and the build inputs in', async (t) => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.git']) t.ok(ignored.includes(p), `${p} is ignored`);
  for (const p of ['src', 'bin', 'scripts', 'native', 'test', 'conformance', 'schema', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    t.notOk(ignored.some((l) => l === p || l === `${p}/` || l === `/${p}`), `${p} reaches the build`);
    t.ok(existsSync(join(ROOT, p)), `${p} exists`);
  }
});

t.test("the final stage's files, copied from this build, serve an app", async (t) => {
  // Each `COPY --from=build /src/X ./Y` of the final stage, taken from this checkout's build.
  const image = mkdtempSync(join(tmpdir(), 'nano-image-'));
  for (const copy of inFinal('COPY')) {
    const [src, dest] = args(copy).filter((a) => !a.startsWith('--')) as [string, string];
    const rel = src.replace(/^\/src\//, '');
    if (rel === 'node_modules') symlinkSync(join(ROOT, 'node_modules'), join(image, dest));
    else cpSync(join(ROOT, rel), join(image, dest), { recursive: true });
  }
  const child = spawn(process.execPath, [join(image, 'bin/nano.js'), 'serve', '--app', join(ROOT, 'examples/hello'), '--port', '0', '--log-format', 'json'], { cwd: image, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"event":"listening","port":(\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`nano exited: ${err}`)));
  });
  const r = await fetchRaw(port, '/from-the-image');
  t.equal(r.status, 200);
  t.match(r.text, /Hello from NANO! You asked for \/from-the-image/);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM drains and exits 0');
});
