// Stream operations the runtime performs itself, as the spec's internal algorithms do: reading a
// chunk with a read request (no promise is ever resolved with an object tenant code could
// intercept through Object.prototype.then) and teeing with chunk cloning for Body's clone().
import { streams, type ReadableStream, type ReadableStreamDefaultController, type ReadableStreamDefaultReader } from './streams.js';
import { structuredClone } from '../html/cloneable.js';
import type { UnderlyingSource } from 'web-streams-polyfill';
import { PromiseResolve, PromisePrototypeThen } from '../core/primordials.js';

/** A read result with a null prototype: resolving a promise with it looks up no `then`. */
export interface ReadBox<T> {
  readonly done: boolean;
  readonly value: T | undefined;
}
function box<T>(done: boolean, value: T | undefined): ReadBox<T> {
  const b = Object.create(null) as { done: boolean; value: T | undefined };
  b.done = done;
  b.value = value;
  return b;
}

/** The polyfill's [[PullSteps]] slot, found by its description on the controller prototypes. */
function pullStepsOf(proto: object): symbol | undefined {
  return Object.getOwnPropertySymbols(proto).find((s) => s.description === '[[PullSteps]]');
}
let PULL_STEPS: Map<object, symbol | undefined> | undefined;
function pullSteps(): Map<object, symbol | undefined> {
  if (PULL_STEPS === undefined) {
    const { ReadableStreamDefaultController, ReadableByteStreamController } = streams();
    PULL_STEPS = new Map([
      [ReadableStreamDefaultController.prototype, pullStepsOf(ReadableStreamDefaultController.prototype)],
      [ReadableByteStreamController.prototype, pullStepsOf(ReadableByteStreamController.prototype)],
    ]);
  }
  return PULL_STEPS;
}

interface PolyfillStream {
  _state: string;
  _storedError: unknown;
  _disturbed: boolean;
  _readableStreamController: Record<symbol, (request: object) => void>;
}

/**
 * https://streams.spec.whatwg.org/#readable-stream-default-reader-read with a read request of our
 * own (the polyfill's internal shape: _chunkSteps/_closeSteps/_errorSteps). Falls back to the
 * public read() if the polyfill's internals ever change shape.
 */
export function readChunk<T>(reader: ReadableStreamDefaultReader<T>): Promise<ReadBox<T>> {
  const stream = (reader as unknown as { _ownerReadableStream?: PolyfillStream })._ownerReadableStream;
  const controller = stream?._readableStreamController;
  const steps = controller === undefined ? undefined : pullSteps().get(Object.getPrototypeOf(controller) as object);
  if (stream === undefined || controller === undefined || steps === undefined) {
    return reader.read().then((r) => box(r.done, r.value));
  }
  return new Promise<ReadBox<T>>((resolve, reject) => {
    const request = {
      _chunkSteps: (chunk: T) => resolve(box(false, chunk)),
      _closeSteps: () => resolve(box<T>(true, undefined)),
      _errorSteps: (err: unknown) => reject(err),
    };
    stream._disturbed = true;
    if (stream._state === 'closed') request._closeSteps();
    else if (stream._state === 'errored') request._errorSteps(stream._storedError);
    else (controller[steps] as (r: object) => void).call(controller, request);
  });
}

/**
 * https://streams.spec.whatwg.org/#abstract-opdef-readablestreamdefaulttee with cloneForBranch2
 * true, as Body's clone() asks: the second branch gets structured clones of the chunks, so the two
 * branches never share a buffer.
 */
export function teeCloning<T>(stream: ReadableStream<T>): [ReadableStream<T>, ReadableStream<T>] {
  const reader = stream.getReader();
  let reading = false;
  let readAgain = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1: unknown;
  let reason2: unknown;
  let c1: ReadableStreamDefaultController<T> | null = null;
  let c2: ReadableStreamDefaultController<T> | null = null;
  let resolveCancel: (v: unknown) => void = () => {};
  const cancelled = new Promise<unknown>((r) => (resolveCancel = r));
  const pull = (): Promise<void> => {
    if (reading) {
      readAgain = true;
      return Promise.resolve();
    }
    reading = true;
    readChunk(reader).then(
      (r) => {
        // The chunk steps run in a microtask (spec), after the read's own bookkeeping.
        void PromisePrototypeThen(PromiseResolve(undefined), () => {
          readAgain = false;
          if (r.done) {
            reading = false;
            if (!canceled1) c1?.close();
            if (!canceled2) c2?.close();
            resolveCancel(undefined);
            return;
          }
          const chunk1 = r.value as T;
          let chunk2 = chunk1;
          if (!canceled2) {
            try {
              chunk2 = structuredClone(chunk1) as T;
            } catch (err) {
              c1?.error(err);
              c2?.error(err);
              resolveCancel(reader.cancel(err));
              return;
            }
          }
          if (!canceled1) c1?.enqueue(chunk1);
          if (!canceled2) c2?.enqueue(chunk2);
          reading = false;
          if (readAgain) void pull();
        });
      },
      (err: unknown) => {
        reading = false;
        c1?.error(err);
        c2?.error(err);
        resolveCancel(undefined);
      },
    );
    return Promise.resolve();
  };
  const cancelBoth = (): void => {
    resolveCancel(reader.cancel([reason1, reason2]));
  };
  const branch1 = new (streams().ReadableStream)<T>(bare<UnderlyingSource<T>>({
    start(c: ReadableStreamDefaultController<T>) {
      c1 = c;
    },
    pull,
    cancel(reason: unknown) {
      canceled1 = true;
      reason1 = reason;
      if (canceled2) cancelBoth();
      return cancelled.then(() => undefined);
    },
  }), strategy());
  const branch2 = new (streams().ReadableStream)<T>(bare<UnderlyingSource<T>>({
    start(c: ReadableStreamDefaultController<T>) {
      c2 = c;
    },
    pull,
    cancel(reason: unknown) {
      canceled2 = true;
      reason2 = reason;
      if (canceled1) cancelBoth();
      return cancelled.then(() => undefined);
    },
  }), strategy());
  reader.closed.catch((err: unknown) => {
    c1?.error(err);
    c2?.error(err);
    resolveCancel(undefined);
  });
  return [branch1, branch2];
}

/**
 * Underlying sources, sinks, transformers and strategies the runtime hands to stream
 * constructors have a null prototype, so accessors tenant code defines on Object.prototype
 * (start, type, size, highWaterMark, …) never reach them (WPT stream-safe-creation).
 */
export function bare<T extends object>(members: T): T {
  return Object.assign(Object.create(null) as T, members);
}
/** A queuing strategy with only a high-water mark (or none: the constructor's default). */
export function strategy(highWaterMark?: number): { highWaterMark?: number } {
  const s = Object.create(null) as { highWaterMark?: number };
  if (highWaterMark !== undefined) s.highWaterMark = highWaterMark;
  return s;
}
