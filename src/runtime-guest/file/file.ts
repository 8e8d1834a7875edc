// File (https://w3c.github.io/FileAPI/#file-section): a Blob with a name and a modification time.
import { defineInterface, requiredArguments, toLongLong, toUSVString } from '../core/webidl.js';
import { Blob, blobBytes, convertBlobOptions, convertBlobParts, initBlob, processBlobParts } from './blob.js';
import { registerCloneable } from '../html/cloneable.js';

interface FileState {
  name: string;
  lastModified: number;
}
const files = new WeakMap<object, FileState>();
function fs(self: unknown): FileState {
  const s = files.get(self as object);
  if (s === undefined) throw new TypeError('Illegal invocation');
  return s;
}
export function isFile(value: unknown): value is File {
  return files.has(value as object);
}

let internal: { bytes: Uint8Array; type: string; name: string; lastModified: number } | null = null;

export class File extends Blob {
  constructor(fileBits: unknown, fileName: unknown, options: unknown = undefined) {
    super();
    if (internal !== null) {
      const s = internal;
      internal = null;
      initBlob(this, s.bytes, s.type);
      files.set(this, { name: s.name, lastModified: s.lastModified });
      return;
    }
    requiredArguments(arguments.length, 2, "Failed to construct 'File'");
    const parts = convertBlobParts(fileBits, "Failed to construct 'File'");
    const name = toUSVString(fileName);
    const { endings, type, dict } = convertBlobOptions(options, "Failed to construct 'File'");
    const lastModified = dict.lastModified === undefined ? Date.now() : toLongLong(dict.lastModified);
    initBlob(this, processBlobParts(parts, endings), type);
    files.set(this, { name, lastModified });
  }
  get name(): string {
    return fs(this).name;
  }
  get lastModified(): number {
    return fs(this).lastModified;
  }
}
defineInterface(File, 'File', { ctorLength: 2 });

/** A File over `bytes` (kept, not copied). */
export function makeFile(bytes: Uint8Array, name: string, type: string, lastModified: number = Date.now()): File {
  internal = { bytes, type, name, lastModified };
  return new File(undefined, undefined);
}

/** A File with the contents and type of `blob` (FormData's "create an entry"). */
export function fileFromBlob(blob: Blob, name: string, lastModified?: number): File {
  return makeFile(blobBytes(blob), name, blob.type, lastModified ?? (isFile(blob) ? fs(blob).lastModified : Date.now()));
}

registerCloneable(File.prototype, (value) => {
  const f = value as File;
  return makeFile(blobBytes(f), fs(f).name, f.type, fs(f).lastModified);
});
