// Runs code inside a real NANO isolate (RuntimeIsolate, the same builder apps get) and hands the
// result back through a console.log line: behaviour tests of the guest runtime, no mocks.
import { RuntimeIsolate } from '../../src/isolates/runtime-isolate.js';

const RESULT = '\u0000nano-test-result ';

export interface Guest {
  readonly isolate: RuntimeIsolate;
  /** Every log line the guest printed, as `level: text` (result lines excluded). */
  readonly logs: string[];
  /** Signals the isolate sent that RuntimeIsolate leaves to its owner (e.g. `uncaught`). */
  readonly signals: { name: string; args: unknown[] }[];
  /**
   * Runs `body` as the body of an async function in the global scope and resolves with its return
   * value after a JSON round trip (undefined becomes null). A throw or rejection rejects with an
   * Error whose message is `Name: message` as the guest saw it.
   */
  run<T = unknown>(body: string, timeoutMs?: number): Promise<T>;
  dispose(): void;
}

let seq = 0;

/** `opState` seeds host op state, e.g. a FetchPolicy under FETCH_POLICY (default: NANO's defaults). */
export async function createGuest(name = 'guest-test', opState?: Iterable<readonly [symbol, unknown]>): Promise<Guest> {
  const logs: string[] = [];
  const signals: { name: string; args: unknown[] }[] = [];
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const isolate = await RuntimeIsolate.create({
    name,
    ...(opState !== undefined ? { opState } : {}),
    onSignal(signal, _origin, args) {
      signals.push({ name: signal, args });
    },
    onLog(level, text) {
      if (!text.startsWith(RESULT)) {
        logs.push(`${level}: ${text}`);
        return;
      }
      const { id, ok, value } = JSON.parse(text.slice(RESULT.length)) as { id: number; ok: boolean; value: unknown };
      const w = waiting.get(id);
      if (w === undefined) return;
      waiting.delete(id);
      if (ok) w.resolve(value);
      else w.reject(new Error(String(value)));
    },
  });
  return {
    isolate,
    logs,
    signals,
    run<T>(body: string, timeoutMs = 5000): Promise<T> {
      const id = ++seq;
      const code = `void (async () => {\n${body}\n})().then(
        (v) => console.log(${JSON.stringify(RESULT)} + JSON.stringify({ id: ${id}, ok: true, value: v === undefined ? null : v })),
        (e) => console.log(${JSON.stringify(RESULT)} + JSON.stringify({ id: ${id}, ok: false, value: (e && e.name) + ': ' + (e && e.message) })));`;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`guest code did not settle within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        isolate.runScript(code, `test-${id}.js`, timeoutMs).catch((err: unknown) => {
          clearTimeout(timer);
          waiting.delete(id);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
    },
    dispose() {
      isolate.dispose();
    },
  };
}
