import type { Database } from '@threadstore/shared/server';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/** The store as the transfer code reads and writes it. */
export type TransferDatabase = Kysely<Database>;

/**
 * A database of the command line's own for bulk loads and exports, outside the ORM's pool and its statement
 * timeout: one connection, so a load's transactions run one after another on it. Times come back as PostgreSQL
 * text, as they do through the ORM, so rows are what `Database` says they are. Closed with `destroy()`.
 */
export function transferDatabase(connectionString: string): TransferDatabase {
  const types = new pg.TypeOverrides();
  for (const oid of [
    pg.types.builtins.DATE,
    pg.types.builtins.TIMESTAMP,
    pg.types.builtins.TIMESTAMPTZ,
    pg.types.builtins.INTERVAL,
  ]) {
    types.setTypeParser(oid, (text: string) => text);
  }
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 1, types }) }),
  });
}
