import type { EntityManager } from '@mikro-orm/postgresql';
import { KEEP_UPDATED_AT_SETTING } from '@threadstore/shared/server';

/**
 * Where the transfer code sends its SQL: the procedure's EntityManager (API calls, inside the mutation's
 * transaction) or a plain pg client (the command line's bulk loads, where a batch is one server-side parameter
 * instead of a literal the ORM would escape into the statement). Statements use `?` placeholders either way.
 */
export interface Sql {
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `work` in one transaction; imports keep the times they carry, so the updated_at triggers stand aside. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
}

export const keepTimes = `select set_config('${KEEP_UPDATED_AT_SETTING}', 'on', true)`;

export function emSql(em: EntityManager): Sql {
  const sql: Sql = {
    query: <T>(text: string, params: readonly unknown[] = []) => em.execute<T[]>(text, [...params], 'all'),
    // Inside a procedure's transaction already: the batch runs there, so the call commits or fails as one.
    async transaction(work) {
      await sql.query(keepTimes);
      return work(sql);
    },
  };
  return sql;
}
