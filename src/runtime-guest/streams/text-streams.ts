// TextEncoderStream and TextDecoderStream (https://encoding.spec.whatwg.org/#interface-textencoderstream):
// TransformStreams around UTF-8 encoding and the streaming mode of TextDecoder.
import { defineInterface, toDOMString, toDictionary, bufferSourceBytes } from '../core/webidl.js';
import { TextDecoder } from '../encoding/encoding.js';
import { utf8Encode } from '../encoding/utf8.js';
import { bare, strategy } from './stream-internals.js';
import type { Transformer } from 'web-streams-polyfill';
import { streams, type TransformStream, type ReadableStream, type WritableStream, type TransformStreamDefaultController } from './streams.js';

interface EncoderState {
  transform: TransformStream<unknown, Uint8Array>;
  /** A high surrogate that ended the previous chunk, waiting for its pair. */
  pending: number | null;
}
const encoders = new WeakMap<object, EncoderState>();
function es(self: unknown): EncoderState {
  const s = encoders.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

const REPLACEMENT = new Uint8Array([0xef, 0xbf, 0xbd]);

export class TextEncoderStream {
  constructor() {
    const state: EncoderState = { transform: null as unknown as TransformStream<unknown, Uint8Array>, pending: null };
    state.transform = new (streams().TransformStream)<unknown, Uint8Array>(bare<Transformer<unknown, Uint8Array>>({
      // https://encoding.spec.whatwg.org/#encode-and-enqueue-a-chunk
      transform(chunk: unknown, controller: TransformStreamDefaultController<Uint8Array>) {
        let input = toDOMString(chunk);
        if (state.pending !== null) {
          input = String.fromCharCode(state.pending) + input;
          state.pending = null;
        }
        const last = input.charCodeAt(input.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          state.pending = last;
          input = input.slice(0, -1);
        }
        if (input.length === 0) return;
        // utf8Encode replaces lone surrogates with U+FFFD, as the USV conversion does.
        controller.enqueue(utf8Encode(input));
      },
      // https://encoding.spec.whatwg.org/#encode-and-flush
      flush(controller: TransformStreamDefaultController<Uint8Array>) {
        if (state.pending !== null) controller.enqueue(REPLACEMENT.slice());
      },
    }), strategy(), strategy());
    encoders.set(this, state);
  }
  get encoding(): string {
    es(this);
    return 'utf-8';
  }
  get readable(): ReadableStream<Uint8Array> {
    return es(this).transform.readable;
  }
  get writable(): WritableStream<unknown> {
    return es(this).transform.writable;
  }
}
defineInterface(TextEncoderStream, 'TextEncoderStream');

interface DecoderStreamState {
  transform: TransformStream<unknown, string>;
  decoder: TextDecoder;
}
const decoderStreams = new WeakMap<object, DecoderStreamState>();
function ds(self: unknown): DecoderStreamState {
  const s = decoderStreams.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}

export class TextDecoderStream {
  constructor(label: unknown = 'utf-8', options: unknown = undefined) {
    const dict = toDictionary(options, "Failed to construct 'TextDecoderStream'");
    // TextDecoderOptions members in WebIDL order (fatal, ignoreBOM); the label check is TextDecoder's.
    const decoder = new TextDecoder(toDOMString(label), { fatal: Boolean(dict.fatal), ignoreBOM: Boolean(dict.ignoreBOM) });
    const transform = new (streams().TransformStream)<unknown, string>(bare<Transformer<unknown, string>>({
      // https://encoding.spec.whatwg.org/#decode-and-enqueue-a-chunk
      transform(chunk: unknown, controller: TransformStreamDefaultController<string>) {
        const bytes = bufferSourceBytes(chunk, "Failed to execute 'write' on 'TextDecoderStream'");
        const text = decoder.decode(bytes, { stream: true });
        if (text.length > 0) controller.enqueue(text);
      },
      // https://encoding.spec.whatwg.org/#flush-and-enqueue
      flush(controller: TransformStreamDefaultController<string>) {
        const text = decoder.decode();
        if (text.length > 0) controller.enqueue(text);
      },
    }), strategy(), strategy());
    decoderStreams.set(this, { transform, decoder });
  }
  get encoding(): string {
    return ds(this).decoder.encoding;
  }
  get fatal(): boolean {
    return ds(this).decoder.fatal;
  }
  get ignoreBOM(): boolean {
    return ds(this).decoder.ignoreBOM;
  }
  get readable(): ReadableStream<string> {
    return ds(this).transform.readable;
  }
  get writable(): WritableStream<unknown> {
    return ds(this).transform.writable;
  }
}
defineInterface(TextDecoderStream, 'TextDecoderStream', { ctorLength: 0 });
