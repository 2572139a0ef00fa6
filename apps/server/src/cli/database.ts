import { type TransferDatabase, transferDatabase } from '@threadstore/api/transfer';
import { loadEnv } from '@threadstore/shared/server';
import { type Database, openDatabase } from '../database.ts';
import { CliError, EXIT } from './exit-codes.ts';

export interface CliDatabase {
  database: Database;
  /** A connection of its own for bulk loads and exports, outside the ORM's pool and its statement timeout. */
  transfer(): TransferDatabase;
}

/** The database (DATABASE_URL, or the embedded one), migrated unless `allowPending`; closed when `work` ends. */
/** The ORM connects on its first query: ask now, so that "unreachable" is said as such. Undefined when reachable. */
export function whyUnreachable(database: Database): Promise<string | undefined> {
  return database.orm.em
    .getConnection()
    .execute('select 1')
    .then(() => undefined)
    .catch((error: Error) => error.message);
}

export async function withDatabase<T>(work: (db: CliDatabase) => Promise<T>, allowPending = false): Promise<T> {
  const env = loadEnv();
  const where = env.DATABASE_URL
    ? `PostgreSQL at ${new URL(env.DATABASE_URL).host}`
    : `the embedded PostgreSQL in ${env.DATA_DIR}`;
  let database: Database;
  try {
    database = await openDatabase(env);
  } catch (error) {
    throw new CliError(EXIT.databaseUnreachable, `cannot reach ${where}: ${(error as Error).message}`);
  }
  const opened: TransferDatabase[] = [];
  try {
    const unreachable = await whyUnreachable(database);
    if (unreachable) throw new CliError(EXIT.databaseUnreachable, `cannot reach ${where}: ${unreachable}`);
    if (!allowPending) {
      const pending = await database.orm.migrator.getPending();
      if (pending.length > 0) {
        throw new CliError(
          EXIT.notMigrated,
          `the database has ${pending.length} migration(s) to apply: run \`pnpm threadstore migrate\` (or start the server) first`,
        );
      }
    }
    return await work({
      database,
      transfer() {
        const transfer = transferDatabase(database.orm.config.get('clientUrl') as string);
        opened.push(transfer);
        return transfer;
      },
    });
  } finally {
    for (const transfer of opened) await transfer.destroy();
    await database.close();
  }
}
