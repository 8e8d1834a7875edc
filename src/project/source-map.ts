// Maps positions in a built bundle back to the project's sources with the bundle's source map
// (version 3, as esbuild writes it), so a logged stack names `src/index.ts:12:7` and not a line of
// the bundle. The mappings are decoded on the first stack that needs them.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/** One mapped segment: generated column → source index, source line, source column (0-based). */
type Segment = readonly [genCol: number, source: number, line: number, col: number];

export interface SourcePosition {
  readonly source: string;
  /** 1-based, as stacks print them. */
  readonly line: number;
  readonly column: number;
}

export class SourceMap {
  readonly #sources: readonly string[];
  readonly #mappings: string;
  #lines: Segment[][] | null = null;

  constructor(json: string) {
    const map = JSON.parse(json) as { sources?: unknown; mappings?: unknown };
    this.#sources = Array.isArray(map.sources) ? map.sources.map(String) : [];
    this.#mappings = typeof map.mappings === 'string' ? map.mappings : '';
  }

  /** The source position of a 1-based bundle line and column, or null when it maps to none. */
  lookup(line: number, column: number): SourcePosition | null {
    const segs = this.#decoded()[line - 1];
    if (segs === undefined || segs.length === 0) return null;
    // The last segment starting at or before the column (binary search on generated columns).
    let lo = 0;
    let hi = segs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((segs[mid] as Segment)[0] <= column - 1) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const seg = segs[found === -1 ? 0 : found] as Segment;
    const source = this.#sources[seg[1]];
    return source === undefined ? null : { source, line: seg[2] + 1, column: seg[3] + 1 };
  }

  #decoded(): Segment[][] {
    if (this.#lines !== null) return this.#lines;
    const lines: Segment[][] = [];
    let source = 0;
    let srcLine = 0;
    let srcCol = 0;
    const m = this.#mappings;
    let i = 0;
    let current: Segment[] = [];
    let genCol = 0;
    const fields: number[] = [];
    while (i <= m.length) {
      const ch = i < m.length ? m.charCodeAt(i) : 59; // end acts as ';'
      if (ch === 59 || ch === 44) {
        // ';' ends a line, ',' a segment.
        if (fields.length >= 4) {
          genCol += fields[0] as number;
          source += fields[1] as number;
          srcLine += fields[2] as number;
          srcCol += fields[3] as number;
          current.push([genCol, source, srcLine, srcCol]);
        } else if (fields.length >= 1) genCol += fields[0] as number;
        fields.length = 0;
        if (ch === 59) {
          lines.push(current);
          current = [];
          genCol = 0;
        }
        i++;
        continue;
      }
      // One base64 VLQ value: 5 bits per digit, continuation bit 32, sign in the lowest bit.
      let value = 0;
      let shift = 0;
      for (;;) {
        const digit = B64_VALUE[m.charCodeAt(i++)] ?? -1;
        if (digit < 0) throw new Error('invalid source map mappings');
        value += (digit & 31) * 2 ** shift;
        shift += 5;
        if ((digit & 32) === 0) break;
      }
      fields.push(value % 2 === 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    }
    this.#lines = lines;
    return lines;
  }
}

/**
 * Rewrites every `<bundleUrl>:line:col` in a stack to the source position it maps to; frames
 * outside the bundle, or that map to nothing, stay as they are.
 */
export function mapStack(stack: string, bundleUrl: string, map: SourceMap): string {
  if (!stack.includes(bundleUrl)) return stack;
  const escaped = bundleUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (whole, l: string, c: string) => {
    const pos = map.lookup(Number(l), Number(c));
    return pos === null ? whole : `${pos.source}:${pos.line}:${pos.column}`;
  });
}
