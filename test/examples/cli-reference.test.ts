// The command-line page (guides/cli.md) against the CLI itself: every long flag that a
// subcommand's --help lists is on the page, and every flag on the page exists.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, BIN, cleanEnv } from '../helpers/serve.js';

const PAGE = readFileSync(join(ROOT, 'docs/src/content/docs/guides/cli.md'), 'utf8');
const COMMANDS = [['serve'], ['check'], ['init'], ['secret', 'keygen'], ['secret', 'encrypt']];
/** Flags the page names that --help lists apart from each command's options. */
const AHEAD = new Set(['--help', '--version']);

function helpFlags(command: string[]): string[] {
  const r = spawnSync(process.execPath, [BIN, ...command, '--help'], { env: cleanEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command.join(' ')} --help: ${r.stderr}`);
  return [...r.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] as string).filter((f) => f !== '--help');
}

t.test('every flag of every subcommand is documented', async (t) => {
  const all = new Set<string>();
  for (const command of COMMANDS) {
    for (const flag of helpFlags(command)) {
      all.add(flag);
      t.match(PAGE, new RegExp(`${flag}(?![a-z-])`), `nano ${command.join(' ')} ${flag} is on the page`);
    }
  }
  t.ok(all.has('--port') && all.has('--log-format'), 'the flags were read from --help');
  const documented = new Set([...PAGE.matchAll(/`(--[a-z][a-z-]*)/g)].map((m) => m[1] as string));
  for (const flag of documented) {
    if (AHEAD.has(flag)) continue;
    t.ok(all.has(flag), `${flag}, on the page, is a flag of the CLI`);
  }
});
