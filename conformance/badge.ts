// Renders the README badge, a flat two-part SVG such as "WinterCG | 93%", from the report's totals.

/** Approximate Verdana 11px advance widths, enough to size a badge without a font library. */
function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if ('ijlI.,:;|!\''.includes(char)) width += 3.5;
    else if ('mwMW%'.includes(char)) width += 10;
    else if (char >= 'A' && char <= 'Z') width += 7.5;
    else width += 6.6;
  }
  return Math.round(width);
}

/** Red below 50%, yellow to 80%, yellow-green to 95%, green above. */
function colorFor(percent: number): string {
  if (percent >= 95) return '#4c1';
  if (percent >= 80) return '#97ca00';
  if (percent >= 50) return '#dfb317';
  return '#e05d44';
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The badge for a pass rate; `percent` is shown rounded down to a whole number. */
export function badgeSvg(label: string, percent: number): string {
  const value = `${Math.floor(percent)}%`;
  const left = textWidth(label) + 10;
  const right = textWidth(value) + 10;
  const width = left + right;
  const title = `${label}: ${value}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${escapeXml(title)}">
  <title>${escapeXml(title)}</title>
  <linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
  <clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
  <g clip-path="url(#r)">
    <rect width="${left}" height="20" fill="#555"/>
    <rect x="${left}" width="${right}" height="20" fill="${colorFor(percent)}"/>
    <rect width="${width}" height="20" fill="url(#s)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
    <text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(label)}</text>
    <text x="${left / 2}" y="14">${escapeXml(label)}</text>
    <text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${value}</text>
    <text x="${left + right / 2}" y="14">${value}</text>
  </g>
</svg>
`;
}
