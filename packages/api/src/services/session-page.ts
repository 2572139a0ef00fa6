import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeCursor, encodeCursor, isIdText, isTimestampText } from '../cursor.ts';
import { query } from '../sql.ts';

type CreatedCursor = [string, string];
const isCreatedCursor = (values: unknown[]): values is CreatedCursor =>
  values.length === 2 && isTimestampText(values[0]) && isIdText(values[1]);

/**
 * One page of a session's contexts or notes, oldest first, keyset on (created_at, id). The timestamp travels
 * as PostgreSQL text so its microseconds survive; names would not do as keys, a 255-character one outgrows
 * the cursor.
 */
export async function sessionPage<Row extends { id: string }>(
  em: EntityManager,
  source: { table: 'contexts' | 'notes'; alias: string; columns: string; where: string[]; params: unknown[] },
  page: { cursor?: string; limit: number },
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const { alias } = source;
  const where = [...source.where];
  const params = [...source.params];
  if (page.cursor) {
    where.push(`(${alias}.created_at, ${alias}.id) > (?::timestamptz, ?::uuid)`);
    params.push(...decodeCursor<CreatedCursor>(page.cursor, isCreatedCursor));
  }
  const rows = await query<Row & { createdKey: string }>(
    em,
    `select ${source.columns}, ${alias}.created_at::text as "createdKey" from ${source.table} ${alias}
      where ${where.join(' and ')} order by ${alias}.created_at, ${alias}.id limit ?`,
    [...params, page.limit + 1],
  );
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const nextCursor = rows.length > page.limit && last ? encodeCursor([last.createdKey, last.id]) : null;
  return { rows: items, nextCursor };
}
