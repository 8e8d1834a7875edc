// Bodies the host can send on by itself: a request's own body, and a subrequest's response body.
// When a handler returns one as its response body before reading any of it, the host pipes it to
// the client directly (src/protocol/bridge.ts, RespondArgs) instead of every chunk crossing into
// the isolate and back out.
export interface PassSource {
  readonly kind: 'request' | 'fetch';
  readonly id: number;
}
const sources = new WeakMap<object, PassSource>();

export function markPassSource(stream: object, kind: PassSource['kind'], id: number): void {
  sources.set(stream, { kind, id });
}
export function passSourceOf(stream: object): PassSource | undefined {
  return sources.get(stream);
}
