import type { Sql } from './db.ts';

export interface ExportStats {
  users: number;
  conversations: number;
  messages: number;
  contexts: number;
  notes: number;
}

/** Row counts of the store (or of one user's part of it). */
export async function storeStats(sql: Sql, userId?: string): Promise<ExportStats> {
  const mine = userId === undefined ? 'true' : 'user_id = ?';
  const [row] = await sql.query<Record<keyof ExportStats, string>>(
    `select (select count(distinct user_id) from conversations where ${mine}) as users,
            (select count(*) from conversations where ${mine}) as conversations,
            (select coalesce(sum(message_count), 0) from conversations where ${mine}) as messages,
            (select count(*) from contexts where ${mine}) as contexts,
            (select count(*) from notes where ${mine}) as notes`,
    userId === undefined ? [] : Array(5).fill(userId),
  );
  return {
    users: Number(row?.users),
    conversations: Number(row?.conversations),
    messages: Number(row?.messages),
    contexts: Number(row?.contexts),
    notes: Number(row?.notes),
  };
}
