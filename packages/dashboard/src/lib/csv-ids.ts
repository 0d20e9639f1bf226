/**
 * External ids from a CSV file: the first column of each row, a header row skipped when it
 * names the column (`externalId`, `external_id`, `id`, `user_id`…), quotes and blanks removed,
 * duplicates kept once.
 *
 * @example csvIds('externalId\nu1\n"u2",x\n') // → ['u1', 'u2']
 */
export function csvIds(text: string): string[] {
  const ids = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const first = firstCell(line).trim();
    if (!first) return;
    if (i === 0 && /^(external[ _-]?id|user[ _-]?id|id|userid)$/i.test(first)) return;
    ids.add(first);
  });
  return [...ids];
}

function firstCell(line: string): string {
  if (!line.startsWith('"')) return line.split(/[,;\t]/, 1)[0] ?? '';
  // A quoted cell: "" inside stands for one quote (RFC 4180 §2.7).
  let cell = '';
  for (let i = 1; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else break;
    } else cell += ch;
  }
  return cell;
}
