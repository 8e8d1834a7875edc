// Performance (https://w3c.github.io/hr-time/#sec-performance): now(), timeOrigin, toJSON(), and
// the User Timing marks and measures (https://w3c.github.io/user-timing/) kept in an in-isolate
// buffer that getEntries* read. Time comes from clock.ts (millisecond resolution, monotonic).
import { DOMException } from '../core/dom-exception.js';
import { EventTarget } from '../events/events.js';
import { now, timeOrigin } from '../core/clock.js';
import { structuredClone } from '../html/cloneable.js';
import { defineInterface, illegalConstructor, isObject, requiredArguments, toDictionary, toDOMString } from '../core/webidl.js';

let constructing = false;
let entryState: (self: unknown) => { name: string; entryType: string; startTime: number; duration: number };

/** PerformanceEntry (https://w3c.github.io/performance-timeline/#the-performanceentry-interface). */
export class PerformanceEntry {
  readonly #name: string;
  readonly #type: string;
  readonly #start: number;
  readonly #duration: number;
  constructor(name?: string, type?: string, start?: number, duration?: number) {
    if (!constructing) illegalConstructor();
    this.#name = name as string;
    this.#type = type as string;
    this.#start = start as number;
    this.#duration = duration as number;
  }
  static {
    entryState = (self) => {
      if (!isObject(self) || !(#name in self)) throw new TypeError('Illegal invocation');
      const e = self as PerformanceEntry;
      return { name: e.#name, entryType: e.#type, startTime: e.#start, duration: e.#duration };
    };
  }
  get name(): string { return entryState(this).name; }
  get entryType(): string { return entryState(this).entryType; }
  get startTime(): number { return entryState(this).startTime; }
  get duration(): number { return entryState(this).duration; }
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...entryState(this) };
    if (isObject(this) && 'detail' in this) out.detail = (this as { detail: unknown }).detail;
    return out;
  }
}
defineInterface(PerformanceEntry, 'PerformanceEntry');

/** PerformanceMark: constructible, `detail` is a structured clone of the option. */
export class PerformanceMark extends PerformanceEntry {
  readonly #detail: unknown;
  constructor(markName: unknown, markOptions: unknown = undefined) {
    requiredArguments(arguments.length, 1, "Failed to construct 'PerformanceMark'");
    const name = toDOMString(markName);
    const opts = toDictionary(markOptions, "Failed to construct 'PerformanceMark'");
    const detail = opts.detail;
    let start = now();
    if (opts.startTime !== undefined) {
      start = Number(opts.startTime);
      if (!Number.isFinite(start)) throw new TypeError("Failed to construct 'PerformanceMark': startTime is not a finite number.");
      if (start < 0) throw new TypeError("Failed to construct 'PerformanceMark': 'startTime' cannot be negative.");
    }
    constructing = true;
    try {
      super(name, 'mark', start, 0);
    } finally {
      constructing = false;
    }
    this.#detail = detail === undefined || detail === null ? null : structuredClone(detail);
  }
  get detail(): unknown {
    if (!isObject(this) || !(#detail in this)) throw new TypeError('Illegal invocation');
    return this.#detail;
  }
}
defineInterface(PerformanceMark, 'PerformanceMark');

export class PerformanceMeasure extends PerformanceEntry {
  readonly #detail: unknown;
  constructor(name?: string, start?: number, duration?: number, detail?: unknown) {
    if (!constructing) illegalConstructor();
    super(name, 'measure', start, duration);
    this.#detail = detail;
  }
  get detail(): unknown {
    if (!isObject(this) || !(#detail in this)) throw new TypeError('Illegal invocation');
    return this.#detail;
  }
}
defineInterface(PerformanceMeasure, 'PerformanceMeasure');

/** The performance entry buffer; apps bound it with clearMarks/clearMeasures, as in browsers. */
const entries: PerformanceEntry[] = [];

function byStartTime(list: PerformanceEntry[]): PerformanceEntry[] {
  return list.sort((a, b) => a.startTime - b.startTime);
}

/** https://w3c.github.io/user-timing/#convert-a-mark-to-a-timestamp */
function markToTimestamp(mark: unknown): number {
  if (typeof mark === 'string') {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i] as PerformanceEntry;
      if (e.entryType === 'mark' && e.name === mark) return e.startTime;
    }
    throw new DOMException(`Failed to execute 'measure' on 'Performance': The mark '${mark}' does not exist.`, 'SyntaxError');
  }
  const n = Number(mark);
  if (n < 0) throw new TypeError("Failed to execute 'measure' on 'Performance': a timestamp cannot be negative.");
  return n;
}

export class Performance extends EventTarget {
  constructor() {
    if (!constructing) illegalConstructor();
    super();
  }
  now(): number {
    brand(this);
    return now();
  }
  get timeOrigin(): number {
    brand(this);
    return timeOrigin;
  }
  toJSON(): { timeOrigin: number } {
    brand(this);
    return { timeOrigin };
  }
  mark(markName: unknown, markOptions: unknown = undefined): PerformanceMark {
    brand(this);
    requiredArguments(arguments.length, 1, "Failed to execute 'mark' on 'Performance'");
    const mark = new PerformanceMark(markName, markOptions);
    entries.push(mark);
    return mark;
  }
  /** https://w3c.github.io/user-timing/#dom-performance-measure */
  measure(measureName: unknown, startOrMeasureOptions: unknown = undefined, endMark: unknown = undefined): PerformanceMeasure {
    brand(this);
    const context = "Failed to execute 'measure' on 'Performance'";
    requiredArguments(arguments.length, 1, context);
    const name = toDOMString(measureName);
    const isOptions = isObject(startOrMeasureOptions);
    const opts = isOptions ? (startOrMeasureOptions as Record<string, unknown>) : {};
    const start = opts.start;
    const duration = opts.duration === undefined ? undefined : Number(opts.duration);
    const end = opts.end;
    const detail = opts.detail;
    const startOrMark = isOptions ? undefined : startOrMeasureOptions === undefined ? undefined : toDOMString(startOrMeasureOptions);
    const endName = endMark === undefined ? undefined : toDOMString(endMark);
    if (isOptions && (start !== undefined || end !== undefined || duration !== undefined || detail !== undefined)) {
      if (endName !== undefined) throw new TypeError(`${context}: endMark cannot be given with a non-empty options dictionary.`);
      if (start === undefined && end === undefined) throw new TypeError(`${context}: options must contain start or end.`);
      if (start !== undefined && duration !== undefined && end !== undefined) throw new TypeError(`${context}: options cannot contain start, duration and end together.`);
    }
    let endTime: number;
    if (endName !== undefined) endTime = markToTimestamp(endName);
    else if (end !== undefined) endTime = markToTimestamp(end);
    else if (start !== undefined && duration !== undefined) endTime = markToTimestamp(start) + duration;
    else endTime = now();
    let startTime: number;
    if (start !== undefined) startTime = markToTimestamp(start);
    else if (duration !== undefined && end !== undefined) startTime = endTime - duration;
    else if (startOrMark !== undefined) startTime = markToTimestamp(startOrMark);
    else startTime = 0;
    constructing = true;
    let measure: PerformanceMeasure;
    try {
      measure = new PerformanceMeasure(name, startTime, endTime - startTime, detail === undefined || detail === null ? null : structuredClone(detail));
    } finally {
      constructing = false;
    }
    entries.push(measure);
    return measure;
  }
  clearMarks(markName: unknown = undefined): void {
    brand(this);
    clear('mark', markName);
  }
  clearMeasures(measureName: unknown = undefined): void {
    brand(this);
    clear('measure', measureName);
  }
  getEntries(): PerformanceEntry[] {
    brand(this);
    return byStartTime([...entries]);
  }
  getEntriesByType(type: unknown): PerformanceEntry[] {
    brand(this);
    requiredArguments(arguments.length, 1, "Failed to execute 'getEntriesByType' on 'Performance'");
    const t = toDOMString(type);
    return byStartTime(entries.filter((e) => e.entryType === t));
  }
  getEntriesByName(name: unknown, type: unknown = undefined): PerformanceEntry[] {
    brand(this);
    requiredArguments(arguments.length, 1, "Failed to execute 'getEntriesByName' on 'Performance'");
    const n = toDOMString(name);
    const t = type === undefined ? undefined : toDOMString(type);
    return byStartTime(entries.filter((e) => e.name === n && (t === undefined || e.entryType === t)));
  }
}
defineInterface(Performance, 'Performance');

function clear(type: string, name: unknown): void {
  const n = name === undefined ? undefined : toDOMString(name);
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as PerformanceEntry;
    if (e.entryType === type && (n === undefined || e.name === n)) entries.splice(i, 1);
  }
}

let instance: Performance | undefined;
function brand(self: unknown): void {
  if (self !== instance || instance === undefined) throw new TypeError('Illegal invocation');
}

/** The `performance` global. */
export const performance: Performance = (() => {
  constructing = true;
  try {
    instance = new Performance();
    return instance;
  } finally {
    constructing = false;
  }
})();
