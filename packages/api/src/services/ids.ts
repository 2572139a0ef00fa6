import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '@threadstore/shared';
import { db } from '../db.ts';

// A conversation or message id is a uuid (stored in `uuid`, as the seeds have it) or a client's own id (stored
// in `client_id`, the row keeping a uuid of its own for the foreign keys). The external id is whichever the
// client gave; the internal uuid of a client-id row never leaves the server except inside opaque cursors.

/**
 * The column an id names a row by. A conversation client id is unique per user, so lookups by it also filter on
 * the user; message client ids are unique across the store, as uuids are.
 */
export const idColumn = (id: string): 'uuid' | 'client_id' => (isUuid(id) ? 'uuid' : 'client_id');

/** This user's conversation with that id: its internal uuid and its external id; undefined when the user has none. */
export async function findConversationKey(
  em: EntityManager,
  userId: string,
  id: string,
): Promise<{ uuid: string; id: string } | undefined> {
  const row = await db(em)
    .selectFrom('conversations as c')
    .select(['c.uuid', 'c.client_id'])
    .where(`c.${idColumn(id)}`, '=', id)
    .where('c.user_id', '=', userId)
    .executeTakeFirst();
  return row && { uuid: row.uuid, id: row.client_id ?? row.uuid };
}

/** The internal uuid of this user's conversation with that id, or undefined when the user has none. */
export async function conversationUuid(em: EntityManager, userId: string, id: string): Promise<string | undefined> {
  return (await findConversationKey(em, userId, id))?.uuid;
}
