// FileReader (https://w3c.github.io/FileAPI/#APIASynch): reads a Blob into an ArrayBuffer, a
// binary string, text or a data: URL and reports through ProgressEvents. A Blob's bytes are in
// the isolate already, so the spec's "in parallel" reading finishes at once; what stays
// asynchronous are the tasks that fire the events and settle the result, each a real task
// (a 0 ms host timer), so app microtasks and timers interleave with them as in a browser.
import { DOMException } from '../core/dom-exception.js';
import { EventTarget, dispatch, getEventHandler, markTrusted, setEventHandler } from '../events/events.js';
import { ProgressEvent } from '../events/progress-event.js';
export { ProgressEvent };
import { isBlob, blobBytes, blobType } from './blob.js';
import { TextDecoder, resolveEncodingLabel } from '../encoding/encoding.js';
import { utf8DecodeAll } from '../encoding/utf8.js';
import { parseMimeType } from '../fetch/mime-type.js';
import { bytesToBase64 } from '../encoding/base64.js';
import { setHostTimer } from '../html/timers.js';
import { ReflectApply, StringFromCharCode, uncurry } from '../core/primordials.js';
import { defineInterface, requiredArguments, toDOMString } from '../core/webidl.js';

const EMPTY = 0;
const LOADING = 1;
const DONE = 2;

type ReadType = 'ArrayBuffer' | 'BinaryString' | 'Text' | 'DataURL';

const decode = uncurry(TextDecoder.prototype.decode);

/** https://encoding.spec.whatwg.org/#decode: a BOM overrides `encoding` and is dropped. */
function decodeText(bytes: Uint8Array, encoding: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) encoding = 'utf-8';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  if (encoding === 'utf-8') return utf8DecodeAll(bytes);
  // The replacement decoder emits one U+FFFD for any input (TextDecoder refuses to construct it).
  if (encoding === 'replacement') return bytes.length === 0 ? '' : '\ufffd';
  return decode(new TextDecoder(encoding), bytes);
}

function binaryString(bytes: Uint8Array): string {
  const pieces: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) pieces[pieces.length] = ReflectApply(StringFromCharCode, null, bytes.subarray(i, i + 8192)) as string;
  return pieces.join('');
}

/** https://w3c.github.io/FileAPI/#blob-package-data */
function packageData(bytes: Uint8Array, type: ReadType, mimeType: string, encodingName: string | undefined): string | ArrayBuffer {
  switch (type) {
    case 'DataURL':
      // Browsers (and WPT) name a missing type application/octet-stream rather than leaving it out.
      return `data:${mimeType === '' ? 'application/octet-stream' : mimeType};base64,${bytesToBase64(bytes)}`;
    case 'Text': {
      // Steps 1-4: the argument's encoding, else the type's charset parameter, else UTF-8.
      let encoding = encodingName === undefined ? null : resolveEncodingLabel(encodingName);
      if (encoding === null) {
        const charset = parseMimeType(mimeType)?.parameters.get('charset');
        if (charset !== undefined) encoding = resolveEncodingLabel(charset);
      }
      return decodeText(bytes, encoding ?? 'utf-8');
    }
    case 'ArrayBuffer':
      return bytes.slice().buffer as ArrayBuffer;
    case 'BinaryString':
      return binaryString(bytes);
  }
}

let isReader: (value: unknown) => boolean;
function check(self: unknown): FileReader {
  if (!isReader(self)) throw new TypeError('Illegal invocation');
  return self as FileReader;
}

/** "Queue a task" on the file reading task source: a 0 ms host timer, one isolate entry each. */
function queueTask(fn: () => void): void {
  setHostTimer(fn, 0, false);
}

/**
 * https://w3c.github.io/FileAPI/#fire-a-progress-event: never bubbles, never cancelable. The init
 * dictionary has no prototype, so members an app added to Object.prototype are not read.
 */
function fire(reader: FileReader, type: string, loaded: number, total: number): void {
  const event = new ProgressEvent(type, { __proto__: null, lengthComputable: true, loaded, total });
  markTrusted(event);
  dispatch(reader, event);
}

export class FileReader extends EventTarget {
  #state = EMPTY;
  #result: string | ArrayBuffer | null = null;
  #error: DOMException | null = null;
  /** Bumped by every read and by abort(): tasks of an older read see the change and do nothing. */
  #read = 0;
  /** Bytes reported so far and the Blob's size, for the events abort() fires. */
  #loaded = 0;
  #total = 0;

  constructor() {
    super();
  }
  static {
    isReader = (value) => typeof value === 'object' && value !== null && #read in value;
  }

  readAsArrayBuffer(blob: unknown): void {
    check(this).#start(blob, 'ArrayBuffer', undefined, 'readAsArrayBuffer', arguments.length);
  }
  readAsBinaryString(blob: unknown): void {
    check(this).#start(blob, 'BinaryString', undefined, 'readAsBinaryString', arguments.length);
  }
  readAsText(blob: unknown, encoding: unknown = undefined): void {
    check(this).#start(blob, 'Text', encoding, 'readAsText', arguments.length);
  }
  readAsDataURL(blob: unknown): void {
    check(this).#start(blob, 'DataURL', undefined, 'readAsDataURL', arguments.length);
  }

  /** https://w3c.github.io/FileAPI/#dfn-abort */
  abort(): void {
    check(this);
    // Step 1: nothing is being read.
    if (this.#state === EMPTY || this.#state === DONE) {
      this.#result = null;
      return;
    }
    // Steps 2-4: stop the read and drop its queued tasks.
    this.#state = DONE;
    this.#result = null;
    this.#read++;
    // Steps 5-6 (a handler of `abort` may have started a new read).
    const loaded = this.#loaded;
    const total = this.#total;
    fire(this, 'abort', loaded, total);
    if (this.#state !== LOADING) fire(this, 'loadend', loaded, total);
  }

  get readyState(): number { return check(this).#state; }
  get result(): string | ArrayBuffer | null { return check(this).#result; }
  get error(): DOMException | null { return check(this).#error; }

  get onloadstart(): unknown { return getEventHandler(check(this), 'loadstart'); }
  set onloadstart(value: unknown) { setEventHandler(check(this), 'loadstart', value); }
  get onprogress(): unknown { return getEventHandler(check(this), 'progress'); }
  set onprogress(value: unknown) { setEventHandler(check(this), 'progress', value); }
  get onload(): unknown { return getEventHandler(check(this), 'load'); }
  set onload(value: unknown) { setEventHandler(check(this), 'load', value); }
  get onabort(): unknown { return getEventHandler(check(this), 'abort'); }
  set onabort(value: unknown) { setEventHandler(check(this), 'abort', value); }
  get onerror(): unknown { return getEventHandler(check(this), 'error'); }
  set onerror(value: unknown) { setEventHandler(check(this), 'error', value); }
  get onloadend(): unknown { return getEventHandler(check(this), 'loadend'); }
  set onloadend(value: unknown) { setEventHandler(check(this), 'loadend', value); }

  /** The read methods' argument conversion, then https://w3c.github.io/FileAPI/#readOperation. */
  #start(blob: unknown, type: ReadType, encoding: unknown, method: string, argc: number): void {
    const context = `Failed to execute '${method}' on 'FileReader'`;
    requiredArguments(argc, 1, context);
    if (!isBlob(blob)) throw new TypeError(`${context}: parameter 1 is not of type 'Blob'.`);
    const encodingName = encoding === undefined ? undefined : toDOMString(encoding);
    // Steps 1-4.
    if (this.#state === LOADING) throw new DOMException(`${context}: The object is already busy reading Blobs.`, 'InvalidStateError');
    this.#state = LOADING;
    this.#result = null;
    this.#error = null;
    // Steps 5-10: the bytes are all there, so the read's tasks are known now; each one queues
    // the next before it fires its event, as if all had been queued at once.
    const bytes = blobBytes(blob);
    const mimeType = blobType(blob);
    const total = bytes.byteLength;
    const read = ++this.#read;
    this.#loaded = 0;
    this.#total = total;
    let finished = false;
    const steps: (() => void)[] = [() => fire(this, 'loadstart', 0, total)];
    // 10.4.3: progress after the first chunk; an empty Blob has none.
    if (total > 0) {
      steps[steps.length] = () => {
        this.#loaded = total;
        fire(this, 'progress', total, total);
      };
    }
    steps[steps.length] = () => {
      finished = true;
      this.#finish(bytes, type, mimeType, encodingName);
    };
    // 10.5.5, split from the last task: a browser performs a microtask checkpoint after each
    // event listener, an isolate only between host entries; so `loadend` is a task of its own,
    // queued together with the last one, and promise reactions to `load` run before it. A
    // `load` or `error` handler that started another read suppresses it.
    const loadend = (): void => {
      if (finished && this.#state !== LOADING) fire(this, 'loadend', total, total);
    };
    let at = 0;
    const run = (): void => {
      // abort(), or a newer read, removed this read's tasks.
      if (this.#read !== read) return;
      const step = steps[at++] as () => void;
      if (at < steps.length) queueTask(run);
      if (at === steps.length - 1) queueTask(loadend);
      step();
    };
    queueTask(run);
  }

  /** Step 10.5 up to `load` or `error`: package the bytes (https://w3c.github.io/FileAPI/#blob-package-data). */
  #finish(bytes: Uint8Array, type: ReadType, mimeType: string, encodingName: string | undefined): void {
    const total = bytes.byteLength;
    this.#state = DONE;
    let result: string | ArrayBuffer;
    try {
      result = packageData(bytes, type, mimeType, encodingName);
    } catch (err) {
      // Only running out of memory gets here; `error` is a DOMException per the IDL.
      this.#error = new DOMException(err instanceof Error ? err.message : 'The Blob could not be read.', 'NotReadableError');
      fire(this, 'error', total, total);
      return;
    }
    this.#result = result;
    fire(this, 'load', total, total);
  }
}
defineInterface(FileReader, 'FileReader', { constants: { EMPTY, LOADING, DONE } });
