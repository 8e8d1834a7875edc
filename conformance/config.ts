// Loads and validates our WPT data files: the pin (wpt/pin.json) and the area list (wpt/areas.json).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** One upstream source of WPT files, pinned to a commit. */
const SourceSchema = z.strictObject({
  /** GitHub owner/name the files are fetched from. */
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  /** The full 40-hex commit of `repository` the files are taken from. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  /** Folder inside `repository` at `commit` that is the WPT root ("" when it is the top). */
  subdir: z.string(),
  /** The upstream web-platform-tests commit these files are, or a sentence saying what is known. */
  wpt: z.string().min(1),
  /** Date of the WPT state, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Top-level paths (from the WPT root) that wpt:sync copies. */
  paths: z.array(z.string().min(1)).min(1),
  /** Other repository/commit pairs that hold the very same tree, for offline copies. */
  mirrors: z
    .array(z.strictObject({ repository: z.string(), commit: z.string().regex(/^[0-9a-f]{40}$/), subdir: z.string() }))
    .default([]),
  note: z.string().optional(),
});

const PinSchema = z.strictObject({
  $comment: z.string().optional(),
  /** WPT's top-level folders: a missing file below one that is not synced exists upstream only. */
  wptTopLevel: z.strictObject({ $comment: z.string().optional(), names: z.array(z.string().min(1)) }).optional(),
  sources: z.record(z.string().regex(/^[a-z0-9-]+$/), SourceSchema),
});

/** One area of the matrix: where its files come from and which files run. */
const AreaSchema = z.strictObject({
  title: z.string().min(1),
  /** Name of a source in pin.json. */
  source: z.string(),
  /** Globs from the WPT root (`*`, `**`, `?`); only .any.js, .window.js and .worker.js are used. */
  include: z.array(z.string().min(1)).min(1),
  exclude: z.array(z.string().min(1)).default([]),
  /** Optional one-line remark shown in the docs matrix. */
  note: z.string().optional(),
});

const AreasSchema = z.strictObject({
  $comment: z.string().optional(),
  areas: z.record(z.string().regex(/^[a-z0-9-]+$/), AreaSchema),
});

/** Another runtime's figures for one area, as read from its own expectation files. */
const PeerSchema = z.strictObject({
  filesRun: z.number().int().optional(),
  files: z.number().int().optional(),
  subtests: z.number().int().optional(),
  expectedFailures: z.number().int(),
  note: z.string().optional(),
});

/** Passed and total subtests of one area (or of all), as another runtime scored them. */
const CountsSchema = z.strictObject({ passed: z.number().int().nonnegative(), total: z.number().int().nonnegative() });

/**
 * Other runtimes run on the very files NANO's report counts (`scripts/compare/run.mjs --record`
 * writes it): how, when, on which WPT commits, and each runtime's counts per area.
 */
const MeasuredSchema = z.strictObject({
  how: z.string().min(1),
  command: z.string().min(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Source name → the commit the measured files were copied from (as the report's `ran`). */
  sources: z.record(z.string(), z.string()),
  runtimes: z.array(z.strictObject({ runtime: z.string().min(1), all: CountsSchema, areas: z.record(z.string(), CountsSchema) })),
});

/** wpt/comparison.json: peers' expected-failure counts (read, not measured) and runtimes measured on the same files. */
const ComparisonSchema = z.strictObject({
  $comment: z.string().optional(),
  /** When the peers' expectation files were read. */
  read: z.string(),
  areas: z.record(z.string(), z.record(z.string(), PeerSchema)),
  measured: MeasuredSchema.optional(),
});

export type Source = z.infer<typeof SourceSchema>;
export type Comparison = z.infer<typeof ComparisonSchema>;
export type Pin = z.infer<typeof PinSchema>;
export type Area = z.infer<typeof AreaSchema>;
export type Areas = z.infer<typeof AreasSchema>;

/** Reads a JSON file and validates it, naming the file and every problem with its JSON path. */
export function loadJson<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new Error(`${file} is not valid:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

export function loadComparison(file: string): Comparison {
  return loadJson(file, ComparisonSchema);
}

export function loadPin(file: string): Pin {
  return loadJson(file, PinSchema);
}

/** Loads the areas and checks that each names a source present in the pin. */
export function loadAreas(file: string, pin: Pin): Areas {
  const areas = loadJson(file, AreasSchema);
  for (const [name, area] of Object.entries(areas.areas)) {
    if (pin.sources[area.source] === undefined) {
      throw new Error(`${file}: area "${name}" names source "${area.source}", which wpt/pin.json does not define`);
    }
  }
  return areas;
}
