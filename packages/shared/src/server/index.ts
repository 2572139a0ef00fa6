// Server-only entry: MikroORM entities, configuration and the embedded database. Never import it from the browser.

export { createMigratedDatabase, databaseUrl, dropDatabase, runAdmin, throwawayServer } from './admin.ts';
export type { Database } from './database.ts';
export {
  DatabaseStartError,
  type EmbeddedDatabase,
  freePort,
  startEmbeddedPostgres,
  startThrowawayPostgres,
} from './embedded-postgres.ts';
export * from './entities/index.ts';
export { type Env, loadEnv } from './env.ts';
export { initOrm, migrateUp, migrationsPath, type OrmSettings, ormOptions, ormSettingsFromEnv } from './orm.ts';
export { builtOncePerShape, preparedQuery } from './prepared-statements.ts';
