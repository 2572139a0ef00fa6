import type { EntityManager } from '@mikro-orm/postgresql';
import { type SelectQueryBuilder, sql } from 'kysely';
import { decodeCursor, encodeCursor, isIdText, isTimestampText } from '../cursor.ts';
import { conversationUuid } from './ids.ts';

// What contexts and notes share: both hang off a session (a conversation) and are read a page at a time.
// Reads filter on the caller's user_id, so another user's session looks empty: never someone else's rows.

/** The internal uuid of this user's session, or null: a null session matches no row, so reads come back empty. */
export async function findSession(em: EntityManager, userId: string, sessionId: string): Promise<string | null> {
  return (await conversationUuid(em, userId, sessionId)) ?? null;
}

type CreatedCursor = [string, string];
const isCreatedCursor = (values: unknown[]): values is CreatedCursor =>
  values.length === 2 && isTimestampText(values[0]) && isIdText(values[1]);

/**
 * One page of a session's contexts or notes (`query` selects them, filtered), oldest first, keyset on
 * (created_at, id). The timestamp is PostgreSQL's text, so its microseconds survive in the cursor; names would
 * not do as keys, a 255-character one outgrows the cursor. A bad cursor is refused even for an unknown session.
 */
export async function sessionPage<DB, TB extends keyof DB, Row extends { id: string; created_at: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  page: { cursor?: string; limit: number },
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const cursor = page.cursor ? decodeCursor<CreatedCursor>(page.cursor, isCreatedCursor) : undefined;
  // Both tables key their pages on the same two columns, named alike, so the page is written once for both.
  const rows = await query
    .$if(cursor !== undefined, (qb) => {
      const [at, id] = cursor as CreatedCursor;
      return qb.where(sql<boolean>`(created_at, id) > (${at}::timestamptz, ${id}::uuid)`);
    })
    .orderBy(sql`created_at`)
    .orderBy(sql`id`)
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const nextCursor = rows.length > page.limit && last ? encodeCursor([last.created_at, last.id]) : null;
  return { rows: items, nextCursor };
}
