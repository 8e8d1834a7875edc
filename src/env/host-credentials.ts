// NANO's own credentials in its environment (the admin token, the secret key): each is read once,
// then removed from process.env, so nothing later (a child process, a config's `fromEnv`, a
// dump of the environment) finds it there.

const taken = new Map<string, string | undefined>();

/** The value `name` had in process.env when first asked for; removes it from process.env. */
export function takeCredential(name: string): string | undefined {
  if (!taken.has(name)) {
    const value = process.env[name];
    taken.set(name, value === '' ? undefined : value);
    delete process.env[name];
  }
  return taken.get(name);
}

/** Whether `name` is one of the credentials taken from the environment. */
export function isCredential(name: string): boolean {
  return taken.has(name);
}
