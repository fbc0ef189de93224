/** Human sizes as npm prints them (kB = 1000 bytes). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** `YYYY-MM-DD` in UTC, as the seed's tables show dates. */
export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '-');

/** Left-aligned columns separated by at least two spaces; the last column is not padded. */
export function table(rows: string[][], opts: { header?: string[] } = {}): string {
  const all = opts.header ? [opts.header, ...rows] : rows;
  const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 2)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
