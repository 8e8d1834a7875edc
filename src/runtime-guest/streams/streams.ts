// WHATWG Streams from web-streams-polyfill, loaded on first use as a runtime unit (units.ts):
// until something needs a stream, an isolate holds none of the polyfill's source, classes,
// closures or compiled code (about 230 KiB of heap per isolate, measured). The rest of the runtime
// reaches the classes through `streams()`, and index.ts installs them on the global from the same
// object, so both always see the same classes.
import type * as Polyfill from 'web-streams-polyfill';
import { lazyUnit } from '../core/units.js';

export type Streams = Pick<
  typeof Polyfill,
  | 'ReadableStream'
  | 'ReadableStreamDefaultReader'
  | 'ReadableStreamBYOBReader'
  | 'ReadableStreamBYOBRequest'
  | 'ReadableByteStreamController'
  | 'ReadableStreamDefaultController'
  | 'WritableStream'
  | 'WritableStreamDefaultWriter'
  | 'WritableStreamDefaultController'
  | 'TransformStream'
  | 'TransformStreamDefaultController'
  | 'ByteLengthQueuingStrategy'
  | 'CountQueuingStrategy'
>;

/** The interfaces index.ts exposes on the global, in this order. */
export const STREAM_INTERFACES = [
  'ReadableStream',
  'ReadableStreamDefaultReader',
  'ReadableStreamBYOBReader',
  'ReadableStreamBYOBRequest',
  'ReadableByteStreamController',
  'ReadableStreamDefaultController',
  'WritableStream',
  'WritableStreamDefaultWriter',
  'WritableStreamDefaultController',
  'TransformStream',
  'TransformStreamDefaultController',
  'ByteLengthQueuingStrategy',
  'CountQueuingStrategy',
] as const satisfies readonly (keyof Streams)[];

/** The stream classes, evaluating the polyfill the first time. */
export const streams = lazyUnit<Streams>('web-streams-polyfill');

/** `value instanceof ReadableStream`, without loading the polyfill: no stream exists before it. */
export function isReadableStream(value: unknown): value is Polyfill.ReadableStream {
  const loaded = streams.peek();
  return loaded !== undefined && value instanceof loaded.ReadableStream;
}

export type {
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableByteStreamController,
  ReadableStreamDefaultController,
  WritableStream,
  WritableStreamDefaultController,
  TransformStream,
  TransformStreamDefaultController,
} from 'web-streams-polyfill';
