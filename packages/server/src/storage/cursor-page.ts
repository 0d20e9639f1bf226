/** What a list endpoint asks for: at most `limit` items after `cursor` (opaque to clients). */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** One page and the cursor of the next one (null on the last page). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Runs a keyset-paginated query — already filtered to rows after the cursor and ordered —
 * for one row more than the page, which tells whether another page follows without a
 * COUNT. The next cursor is taken from the page's last row.
 *
 * @example
 * const q = db.selectFrom('campaigns').selectAll().where('id', '>', page.cursor ?? '').orderBy('id');
 * return cursorPage(q, page, { cursorOf: (row) => row.id, map: (rows) => rows.map(toCampaign) });
 */
export async function cursorPage<Row, T>(
  query: { limit(n: number): { execute(): Promise<Row[]> } },
  page: PageRequest,
  how: { cursorOf: (row: Row) => string; map: (rows: Row[]) => T[] | Promise<T[]> },
): Promise<Page<T>> {
  const rows = await query.limit(page.limit + 1).execute();
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    data: await how.map(shown),
    nextCursor: rows.length > page.limit && last !== undefined ? how.cursorOf(last) : null,
  };
}
