// Configuration for `pnpm exec mikro-orm ...` (found through package.json "mikro-orm".configPaths).
// Without DATABASE_URL it joins, or starts, the same embedded PostgreSQL that `pnpm start` uses.
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { loadEnv } from './env.ts';
import { ormOptions, ormSettingsFromEnv } from './orm.ts';

const env = loadEnv();
const clientUrl =
  env.DATABASE_URL ??
  (await startEmbeddedPostgres({ baseDir: env.DATA_DIR, port: env.EMBEDDED_PG_PORT, stopWhenIdle: true })).url;

export default ormOptions(ormSettingsFromEnv(env, clientUrl));
