// When to start the replacement of a worker that died: at once, unless its slot keeps dying soon
// after each start, then after a delay that doubles up to a bound (a crash loop must not burn the
// CPU the other workers need).

/** A worker that lived at least this long died of something else than a start-up crash loop. */
export const STABLE_AFTER_MS = 10_000;
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/** Updates the slot's count of quick deaths in a row and returns the delay before its restart. */
export function restartDelay(slot: { quickDeaths: number }, uptimeMs: number): number {
  slot.quickDeaths = uptimeMs >= STABLE_AFTER_MS ? 1 : slot.quickDeaths + 1;
  if (slot.quickDeaths <= 1) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (slot.quickDeaths - 2));
}
