import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { entities } from './entities/index.ts';
import type { Env } from './env.ts';
import { preparedStatementName } from './prepared-statements.ts';

export const migrationsPath = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OrmSettings {
  clientUrl: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  acquireTimeoutMs?: number;
  statementTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  /** Send the statements hot paths mark as named prepared statements (see prepared-statements.ts). */
  preparedStatements?: boolean;
  debug?: boolean;
}

export function ormSettingsFromEnv(env: Env, clientUrl: string): OrmSettings {
  return {
    clientUrl,
    poolMax: env.DB_POOL_MAX,
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    acquireTimeoutMs: env.DB_POOL_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    preparedStatements: env.DB_PREPARED_STATEMENTS,
  };
}

/**
 * Kysely's transactions give their connection back only after a commit or rollback that succeeded. When
 * PostgreSQL drops a connection inside a transaction (a restart, pg_terminate_backend, the idle-in-transaction
 * timeout) both fail, the client is never released, and after `max` such drops the pool is full of dead
 * clients: every call then waits out the connect timeout until the process restarts. A checked-out client
 * whose connection has ended is handed back here as broken, so the pool discards it and opens a new one.
 */
function reclaimEndedClients(pool: pg.Pool): void {
  const checkedOut = new Set<pg.PoolClient>();
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    client.once('end', () => {
      if (!checkedOut.has(client)) return;
      const release = client.release;
      // Whoever holds the client may still call release after its failed rollback: that must not throw.
      client.release = () => {};
      release(new Error('connection ended while checked out'));
    });
  });
}

/**
 * pg-pool applies its `connectionTimeoutMillis` both to opening a connection and to waiting for a free one, so
 * a burst of calls on a healthy database failed as if the database were down. The pool's timeout is the wait
 * for a free connection; each client's own is the connect timeout, so an unreachable database still fails fast.
 * The same client class also sends the statements hot paths mark as named prepared statements, unless
 * `preparedStatements` is off.
 */
function threadstoreClient(connectTimeoutMs: number, preparedStatements: boolean): typeof pg.Client {
  class ThreadstoreClient extends pg.Client {
    // pg-pool passes its options with `password` made non-enumerable (kept out of stack traces), so a spread
    // alone would drop it.
    constructor(config: pg.ClientConfig = {}) {
      super({ ...config, password: config.password, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  if (!preparedStatements) return ThreadstoreClient;
  // Kysely hands every statement to pg as text and parameters, with no way to name it: a text that
  // preparedQuery marked goes on as a named statement (see prepared-statements.ts).
  const query = pg.Client.prototype.query;
  ThreadstoreClient.prototype.query = function (
    this: pg.Client,
    config: unknown,
    values?: unknown,
    callback?: unknown,
  ) {
    const name = typeof config === 'string' && Array.isArray(values) ? preparedStatementName(config) : undefined;
    const call = query as (this: pg.Client, ...args: unknown[]) => unknown;
    return name ? call.call(this, { name, text: config, values }, callback) : call.call(this, config, values, callback);
  } as typeof query;
  return ThreadstoreClient;
}

/** The one MikroORM configuration: the server, the CLI and the tests all build theirs here. */
export function ormOptions(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.clientUrl,
    entities,
    extensions: [Migrator],
    migrations: {
      path: migrationsPath,
      pathTs: migrationsPath,
      glob: '!(*.d|*.test).{js,ts}',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      silent: true,
    },
    pool: { min: 0, max: settings.poolMax ?? 20 },
    // A database that cannot be reached fails fast (SERVICE_UNAVAILABLE) instead of hanging a request.
    driverOptions: {
      connectionTimeoutMillis: settings.acquireTimeoutMs ?? 10000,
      Client: threadstoreClient(settings.connectTimeoutMs ?? 3000, settings.preparedStatements ?? true),
      statement_timeout: settings.statementTimeoutMs ?? 15000,
      idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs ?? 30000,
      application_name: 'threadstore',
      keepAlive: true,
      onPoolCreated: reclaimEndedClients,
    },
    debug: settings.debug ?? false,
    ensureDatabase: false,
    preferTs: true,
  });
}

export function initOrm(settings: OrmSettings): Promise<MikroORM> {
  return MikroORM.init(ormOptions(settings));
}

/** Applies every pending migration; a database already at the latest one is left as it is. */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}
