import { type Database, KEEP_UPDATED_AT_SETTING } from '@threadstore/shared/server';
import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';

// The transfer code runs on a Kysely<Database> either way: the procedure's (`db(ctx.em)`, inside the mutation's
// transaction) or the command line's own, over a pg pool, where a batch is one server-side parameter instead of
// a literal the ORM would escape into the statement.

/** A time with its microseconds, as PostgreSQL keeps it, in UTC: an export loses nothing. */
export const isoTime = <T extends string | null>(column: Expression<T>): RawBuilder<T> =>
  sql<T>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A uuid array as one parameter (pg sends a JavaScript array as a PostgreSQL array literal). */
export const uuidArray = (values: readonly string[]): RawBuilder<string[]> => sql<string[]>`${values}::uuid[]`;

/** A text array as one parameter. */
export const textArray = (values: readonly string[]): RawBuilder<string[]> => sql<string[]>`${values}::text[]`;

/**
 * Runs `work` in one transaction; imports keep the times they carry, so the updated_at triggers stand aside for
 * it (a transaction-local setting). A procedure's Kysely is inside its mutation's transaction already: the work
 * runs there, so the call commits or fails as one.
 */
export async function inTransaction<T>(
  kysely: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  // A transaction-local setting the updated_at triggers read: a PostgreSQL function call, no table to type.
  const keepTimes = (trx: Kysely<Database>) =>
    sql`select set_config(${KEEP_UPDATED_AT_SETTING}, 'on', true)`.execute(trx);
  if (kysely.isTransaction) {
    await keepTimes(kysely);
    return work(kysely);
  }
  return kysely.transaction().execute(async (trx) => {
    await keepTimes(trx);
    return work(trx);
  });
}
