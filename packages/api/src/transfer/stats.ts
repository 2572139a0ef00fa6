import type { Database } from '@threadstore/shared/server';
import type { Kysely } from 'kysely';

export interface ExportStats {
  users: number;
  conversations: number;
  messages: number;
  contexts: number;
  notes: number;
}

/** Row counts of the store (or of one user's part of it). */
export async function storeStats(kysely: Kysely<Database>, userId?: string): Promise<ExportStats> {
  const mine = (table: 'conversations' | 'contexts' | 'notes') =>
    kysely.selectFrom(table).$if(userId !== undefined, (qb) => qb.where('user_id', '=', userId as string));
  const row = await kysely
    .selectNoFrom([
      mine('conversations')
        .select((eb) => eb.fn.count('user_id').distinct().as('n'))
        .as('users'),
      mine('conversations')
        .select((eb) => eb.fn.countAll().as('n'))
        .as('conversations'),
      mine('conversations')
        .select((eb) => eb.fn.coalesce(eb.fn.sum('message_count'), eb.lit(0)).as('n'))
        .as('messages'),
      mine('contexts')
        .select((eb) => eb.fn.countAll().as('n'))
        .as('contexts'),
      mine('notes')
        .select((eb) => eb.fn.countAll().as('n'))
        .as('notes'),
    ])
    .executeTakeFirstOrThrow();
  return {
    users: Number(row.users),
    conversations: Number(row.conversations),
    messages: Number(row.messages),
    contexts: Number(row.contexts),
    notes: Number(row.notes),
  };
}
