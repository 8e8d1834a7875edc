// ProgressEvent (https://xhr.spec.whatwg.org/#interface-progressevent): the events a FileReader
// fires. `loaded` and `total` are doubles, as the XHR standard has declared them since 2024.
import { Event } from './events.js';
import { defineInterface, requiredArguments, toDictionary } from '../core/webidl.js';

/** WebIDL `double` (restricted): ToNumber, and NaN or an infinity is a TypeError. */
function toDouble(value: unknown, member: string, context: string): number {
  if (typeof value === 'symbol' || typeof value === 'bigint') throw new TypeError(`${context}: Cannot convert '${member}' to a number.`);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`${context}: The '${member}' member is not a finite floating-point value.`);
  return n;
}

let isProgressEvent: (value: unknown) => boolean;
function check(self: unknown): void {
  if (!isProgressEvent(self)) throw new TypeError('Illegal invocation');
}

export class ProgressEvent extends Event {
  readonly #lengthComputable: boolean;
  readonly #loaded: number;
  readonly #total: number;

  constructor(type: unknown, eventInitDict: unknown = undefined) {
    const context = "Failed to construct 'ProgressEvent'";
    requiredArguments(arguments.length, 1, context);
    super(type, eventInitDict);
    // ProgressEventInit members after EventInit's, in WebIDL order: lengthComputable, loaded, total.
    const init = toDictionary(eventInitDict, context);
    this.#lengthComputable = Boolean(init.lengthComputable);
    this.#loaded = init.loaded === undefined ? 0 : toDouble(init.loaded, 'loaded', context);
    this.#total = init.total === undefined ? 0 : toDouble(init.total, 'total', context);
  }
  static {
    isProgressEvent = (value) => typeof value === 'object' && value !== null && #loaded in value;
  }
  get lengthComputable(): boolean { check(this); return this.#lengthComputable; }
  get loaded(): number { check(this); return this.#loaded; }
  get total(): number { check(this); return this.#total; }
}
defineInterface(ProgressEvent, 'ProgressEvent');
