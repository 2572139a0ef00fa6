import { fileURLToPath } from 'node:url';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import { entities } from './entities/index.ts';
import type { Env } from './env.ts';

export const migrationsPath = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OrmSettings {
  clientUrl: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  debug?: boolean;
}

export function ormSettingsFromEnv(env: Env, clientUrl: string): OrmSettings {
  return {
    clientUrl,
    poolMax: env.DB_POOL_MAX,
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  };
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
    pool: { min: 0, max: settings.poolMax ?? 10 },
    // A database that cannot be reached fails fast (SERVICE_UNAVAILABLE) instead of hanging a request.
    driverOptions: {
      connectionTimeoutMillis: settings.connectTimeoutMs ?? 3000,
      statement_timeout: settings.statementTimeoutMs ?? 15000,
      application_name: 'threadstore',
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
