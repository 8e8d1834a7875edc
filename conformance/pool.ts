// Runs async jobs with a fixed number in flight, keeping results in input order.

/**
 * Calls `work` for every item with at most `concurrency` calls pending at once. `work` must not
 * reject (the runner's runFile turns every failure into a result); if it does, the rejection is
 * passed on once the calls already started have settled, so nothing keeps running unobserved.
 * `onDone` sees each result as soon as it is ready (progress output).
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  onDone?: (result: R, item: T, index: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;

  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      const item = items[index] as T;
      try {
        const result = await work(item, index);
        results[index] = result;
        onDone?.(result, item, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };

  const lanes = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure.error;
  return results;
}
