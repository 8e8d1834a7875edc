// The CDN-Loop header (RFC 8586): every subrequest names this server in it, and the server counts
// how often a request has passed through already, so a request loop ends after a bounded number
// of hops instead of multiplying traffic.

/**
 * How many entries of a CDN-Loop value (RFC 8586 §2: `#cdn-info`, each `pseudonym *(; param)`)
 * name `name` (case-insensitive). Commas inside quoted parameter values do not split entries.
 */
export function countLoopHops(value: string | readonly string[] | undefined, name: string): number {
  if (value === undefined) return 0;
  const text = typeof value === 'string' ? value : value.join(',');
  const want = name.toLowerCase();
  let count = 0;
  let entry = '';
  let quoted = false;
  const flush = (): void => {
    const pseudonym = (entry.split(';')[0] ?? '').trim().toLowerCase();
    if (pseudonym === want) count++;
    entry = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '\\') {
      entry += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) flush();
    else entry += c;
  }
  flush();
  return count;
}
