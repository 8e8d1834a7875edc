// Runs a real nginx as an unprivileged foreground process with its own prefix, pid and temp
// directories, on ephemeral ports, with the server blocks of deploy/nginx/nano.conf.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The first of `candidates` that runs with `versionArg`, or null. */
export function findTool(candidates: readonly string[], versionArg: string): string | null {
  for (const bin of candidates) {
    if (spawnSync(bin, [versionArg], { stdio: 'ignore' }).status === 0) return bin;
  }
  return null;
}

/** Why a test that needs `bins` cannot run here, or null; under CI=true a missing one is a failure. */
export function missingTool(bins: readonly [string, string | null][]): string | null {
  const gone = bins.filter(([, path]) => path === null).map(([name]) => name);
  if (gone.length === 0) return null;
  const why = `${gone.join(' and ')} not installed (Debian: apt-get install -y ${gone.join(' ')}; .ci/run installs nginx and openssl)`;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${why}`);
  return why;
}

/** A port that was free a moment ago (nginx needs a number in its config, not 0). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** A self-signed certificate for `names` (openssl), as file paths. */
export function selfSignedCert(dir: string, names: readonly string[]): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const san = names.map((n) => `DNS:${n}`).join(',');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  chmodSync(key, 0o644);
  return { cert, key };
}

export interface Nginx {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** Resolves once `port` accepts connections; throws when `child` exits first or `deadline` passes. */
export async function accepting(port: number, deadline: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error('nginx exited');
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx not accepting on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts nginx in the foreground with `serverBlocks` (the text of an included file) inside its
 * http {} block; resolves once every port in `ports` accepts connections.
 */
export async function startNginx(bin: string, serverBlocks: string, ports: readonly number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'nano-nginx-'));
  // Run as root (a CI container), nginx's workers drop to nobody: they must reach this directory.
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'nano.conf'), serverBlocks);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(dir, k)};`).join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user nobody nogroup;\n' : ''}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 512; }
http {
  access_log off;
${temp}
  include ${join(dir, 'nano.conf')};
}
`,
  );
  const child = spawn(bin, ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  try {
    const deadline = Date.now() + 10_000;
    for (const p of ports) await accepting(p, deadline, child);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(e as Error).message}: ${err}`);
  }
  return {
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
    },
  };
}
