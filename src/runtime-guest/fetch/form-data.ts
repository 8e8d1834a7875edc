// FormData (https://xhr.spec.whatwg.org/#interface-formdata): an ordered list of entries whose
// values are strings or Files. There are no forms here, so the constructor takes no arguments.
import { defineInterface, requiredArguments, toUSVString } from '../core/webidl.js';
import { type Blob, isBlob } from '../file/blob.js';
import { type File, fileFromBlob, isFile } from '../file/file.js';

export type FormValue = string | File;
export type FormEntry = [string, FormValue];

const lists = new WeakMap<object, FormEntry[]>();
function fl(self: unknown): FormEntry[] {
  const l = lists.get(self as object);
  if (l === undefined) throw new TypeError('Illegal invocation');
  return l;
}
export function isFormData(value: unknown): value is FormData {
  return lists.has(value as object);
}
/** The live entry list (runtime-internal readers: multipart serialisation). */
export function formEntries(fd: FormData): FormEntry[] {
  return fl(fd);
}

/** https://xhr.spec.whatwg.org/#create-an-entry, after overload resolution. */
function createEntry(name: unknown, value: unknown, filename: unknown, blobOverload: boolean, context: string): FormEntry {
  const n = toUSVString(name);
  if (!blobOverload) return [n, toUSVString(value)];
  if (!isBlob(value)) throw new TypeError(`${context}: parameter 2 is not of type 'Blob'.`);
  const blob = value as Blob;
  if (filename !== undefined) return [n, fileFromBlob(blob, toUSVString(filename))];
  if (isFile(blob)) return [n, blob];
  return [n, fileFromBlob(blob, 'blob', Date.now())];
}

export class FormData {
  constructor(form: unknown = undefined, submitter: unknown = undefined) {
    // HTMLFormElement does not exist in an isolate: anything but undefined cannot convert.
    if (form !== undefined) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
    void submitter;
    lists.set(this, []);
  }
  append(name: unknown, value: unknown, filename?: unknown): void {
    const ctx = "Failed to execute 'append' on 'FormData'";
    requiredArguments(arguments.length, 2, ctx);
    const list = fl(this);
    list.push(createEntry(name, value, filename, arguments.length >= 3 || isBlob(value), ctx));
  }
  delete(name: unknown): void {
    requiredArguments(arguments.length, 1, "Failed to execute 'delete' on 'FormData'");
    const list = fl(this);
    const n = toUSVString(name);
    for (let i = list.length - 1; i >= 0; i--) if ((list[i] as FormEntry)[0] === n) list.splice(i, 1);
  }
  get(name: unknown): FormValue | null {
    requiredArguments(arguments.length, 1, "Failed to execute 'get' on 'FormData'");
    const list = fl(this);
    const n = toUSVString(name);
    const e = list.find((x) => x[0] === n);
    return e === undefined ? null : e[1];
  }
  getAll(name: unknown): FormValue[] {
    requiredArguments(arguments.length, 1, "Failed to execute 'getAll' on 'FormData'");
    const list = fl(this);
    const n = toUSVString(name);
    return list.filter((x) => x[0] === n).map((x) => x[1]);
  }
  has(name: unknown): boolean {
    requiredArguments(arguments.length, 1, "Failed to execute 'has' on 'FormData'");
    const list = fl(this);
    const n = toUSVString(name);
    return list.some((x) => x[0] === n);
  }
  set(name: unknown, value: unknown, filename?: unknown): void {
    const ctx = "Failed to execute 'set' on 'FormData'";
    requiredArguments(arguments.length, 2, ctx);
    const list = fl(this);
    const entry = createEntry(name, value, filename, arguments.length >= 3 || isBlob(value), ctx);
    const i = list.findIndex((x) => x[0] === entry[0]);
    if (i < 0) {
      list.push(entry);
      return;
    }
    list[i] = entry;
    for (let j = list.length - 1; j > i; j--) if ((list[j] as FormEntry)[0] === entry[0]) list.splice(j, 1);
  }
  forEach(callback: unknown, thisArg: unknown = undefined): void {
    requiredArguments(arguments.length, 1, "Failed to execute 'forEach' on 'FormData'");
    const list = fl(this);
    if (typeof callback !== 'function') throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as FormEntry;
      Reflect.apply(callback, thisArg, [e[1], e[0], this]);
    }
  }
  keys(): IterableIterator<string> {
    return formIterator(this, 0);
  }
  values(): IterableIterator<FormValue> {
    return formIterator(this, 1);
  }
  entries(): IterableIterator<FormEntry> {
    return formIterator(this, 2);
  }
  [Symbol.iterator](): IterableIterator<FormEntry> {
    return formIterator(this, 2);
  }
}
defineInterface(FormData, 'FormData', { ctorLength: 0, lengths: { append: 2, set: 2, forEach: 1 }, iterable: true });

// The WebIDL iterable's iterator: an index into the live list (https://webidl.spec.whatwg.org/#es-iterable).
const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
interface FIter {
  target: FormData;
  index: number;
  kind: number;
}
const iterStates = new WeakMap<object, FIter>();
const FormDataIteratorProto = Object.create(IteratorProto, {
  next: {
    value: function next(this: object) {
      const it = iterStates.get(this);
      if (it === undefined) throw new TypeError('Illegal invocation');
      const list = fl(it.target);
      if (it.index >= list.length) return { value: undefined, done: true };
      const e = list[it.index++] as FormEntry;
      return { value: it.kind === 0 ? e[0] : it.kind === 1 ? e[1] : [e[0], e[1]], done: false };
    },
    writable: true,
    enumerable: true,
    configurable: true,
  },
  [Symbol.toStringTag]: { value: 'FormData Iterator', configurable: true },
}) as object;
function formIterator<T>(self: FormData, kind: number): IterableIterator<T> {
  fl(self);
  const it = Object.create(FormDataIteratorProto) as object;
  iterStates.set(it, { target: self, index: 0, kind });
  return it as IterableIterator<T>;
}

/** A FormData built from trusted entries (body parsing). */
export function makeFormData(entries: FormEntry[]): FormData {
  const fd = new FormData();
  fl(fd).push(...entries);
  return fd;
}
