import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '@threadstore/shared';
import { queryOne } from '../sql.ts';

// A conversation or message id is a uuid (stored in `uuid`, as the seeds have it) or a client's own id (stored
// in `client_id`, the row keeping a uuid of its own for the foreign keys). The external id is whichever the
// client gave; the internal uuid of a client-id row never leaves the server except inside opaque cursors.

/** The external id of `conversations` or `messages` under `alias`. */
export const externalId = (alias: string) => `coalesce(${alias}.client_id, ${alias}.uuid::text)`;

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/** The conversation a caller names. A client id is unique per user, so it is looked up with the user. */
export function whereConversation(alias: string, id: string, userId: string): SqlCondition {
  return isUuid(id)
    ? { sql: `${alias}.uuid = ?::uuid`, params: [id] }
    : { sql: `(${alias}.client_id = ? and ${alias}.user_id = ?)`, params: [id, userId] };
}

/** The message a caller names; message client ids are unique across the store, as message uuids are. */
export function whereMessage(alias: string, id: string): SqlCondition {
  return isUuid(id)
    ? { sql: `${alias}.uuid = ?::uuid`, params: [id] }
    : { sql: `${alias}.client_id = ?`, params: [id] };
}

/** The internal uuid of this user's conversation with that id, or undefined when the user has none. */
export async function conversationUuid(em: EntityManager, userId: string, id: string): Promise<string | undefined> {
  const where = whereConversation('c', id, userId);
  const row = await queryOne<{ uuid: string }>(
    em,
    `select c.uuid from conversations c where ${where.sql} and c.user_id = ?`,
    [...where.params, userId],
  );
  return row?.uuid;
}
