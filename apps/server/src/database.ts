import type { MikroORM } from '@mikro-orm/postgresql';
import { type Env, initOrm, ormSettingsFromEnv, startEmbeddedPostgres } from '@threadstore/shared/server';

export interface Database {
  orm: MikroORM;
  /** "embedded PostgreSQL on port N" or the DATABASE_URL's host, for the start-up line. */
  description: string;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR. */
export async function openDatabase(env: Env, log: (line: string) => void = () => {}): Promise<Database> {
  const embedded = env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ baseDir: env.DATA_DIR, port: env.EMBEDDED_PG_PORT, log });
  const url = env.DATABASE_URL ?? (embedded?.url as string);
  try {
    const orm = await initOrm(ormSettingsFromEnv(env, url));
    const description = embedded
      ? `embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_PG_PORT} (data in ${env.DATA_DIR})`
      : `PostgreSQL at ${new URL(url).host}`;
    return {
      orm,
      description,
      async close() {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
