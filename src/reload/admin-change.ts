// The checks an admin app change passes before anything is applied (POST/PUT/DELETE /admin/apps):
// the body, its name against the URL's, the app schema, whether the app exists, and the admin
// scope. One place for the single process's Reloader and for the supervisor, which refuses a bad
// change with the same error before any worker sees it.
import { formatProblem, problemsFromIssues } from '../config/load.js';
import { appSchema, type Config } from '../config/schema.js';
import { adminScopeProblems } from './admin-scope.js';
import { AdminRequestError } from './admin-error.js';
import { isObject, type ConfigSource, type Overlay } from './source.js';

export interface ChangeBase {
  readonly source: ConfigSource;
  /** The raw file config the running apps came from (admin changes compose against it). */
  readonly raw: Record<string, unknown>;
  readonly overlays: ReadonlyMap<string, Overlay>;
  /** The config running now (null before the first apply). */
  readonly running: Config | null;
}

/** The overlays after an add (POST) or replace (PUT) of one app; throws AdminRequestError when refused. */
export async function planPut(base: ChangeBase, mode: 'add' | 'replace', urlName: string | null, body: unknown): Promise<Map<string, Overlay>> {
  if (!isObject(body)) throw new AdminRequestError('NANO_ERR_ADMIN_BAD_REQUEST', 'the request body must be a JSON object: an app entry as in the config file');
  const app: Record<string, unknown> = { ...body };
  if (urlName !== null) {
    if (app.name === undefined) app.name = urlName;
    else if (app.name !== urlName) throw new AdminRequestError('NANO_ERR_ADMIN_BAD_REQUEST', `the body names app "${String(app.name)}" but the URL names "${urlName}"; they must match (renaming is DELETE then POST)`);
  }
  const parsed = appSchema.safeParse(app, { reportInput: true });
  if (!parsed.success) {
    const problems = problemsFromIssues('request body', parsed.error.issues).map(formatProblem);
    throw new AdminRequestError('NANO_ERR_CONFIG_INVALID', `invalid app: ${problems.join('; ')}`, problems);
  }
  const name = parsed.data.name;
  const exists = base.running?.apps.some((a) => a.name === name) === true;
  if (mode === 'add' && exists) throw new AdminRequestError('NANO_ERR_ADMIN_CONFLICT', `app "${name}" already exists; PUT /admin/apps/${name} replaces it`);
  if (mode === 'replace' && !exists) throw new AdminRequestError('NANO_ERR_ADMIN_NOT_FOUND', `no app "${name}"; POST /admin/apps adds one`);
  const next = new Map(base.overlays);
  next.set(name, { op: 'put', app });
  await checkAdminScope(base, name, next);
  return next;
}

/** The overlays after a DELETE of one app; throws AdminRequestError when there is no such app. */
export function planRemove(base: Pick<ChangeBase, 'overlays' | 'running'>, name: string): Map<string, Overlay> {
  if (base.running?.apps.some((a) => a.name === name) !== true) throw new AdminRequestError('NANO_ERR_ADMIN_NOT_FOUND', `no app "${name}"`);
  const next = new Map(base.overlays);
  next.set(name, { op: 'delete' });
  return next;
}

/**
 * Refuses (403) an admin app that names host paths or variables outside the config's admin
 * scope (admin-scope.ts), judged with its paths resolved as the composed config resolves them.
 * A config that does not compose is left to the apply to report.
 */
async function checkAdminScope(base: ChangeBase, name: string, overlays: ReadonlyMap<string, Overlay>): Promise<void> {
  let candidate: Config;
  try {
    candidate = base.source.compose(base.raw, overlays);
  } catch {
    return;
  }
  const app = candidate.apps.find((a) => a.name === name);
  if (app === undefined) return;
  const problems = await adminScopeProblems(app, base.running?.admin ?? candidate.admin);
  if (problems.length > 0) throw new AdminRequestError('NANO_ERR_ADMIN_FORBIDDEN', `app "${name}" may not come from the admin API: ${problems.join('; ')}`, problems);
}
