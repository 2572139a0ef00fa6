// Server-level operations (create and drop databases) for the test suite and the benchmarks.
import type { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { startThrowawayPostgres } from './embedded-postgres.ts';
import { loadEnv } from './env.ts';
import { initOrm, migrateUp } from './orm.ts';

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function runAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function dropDatabase(adminUrl: string, database: string): Promise<void> {
  return runAdmin(adminUrl, `drop database if exists "${database}" with (force)`);
}

/** The server for a run's throwaway databases: DATABASE_URL's when set, otherwise an embedded cluster of its own. */
export async function throwawayServer(name: string): Promise<{ adminUrl: string; stop(): Promise<void> }> {
  const { DATABASE_URL } = loadEnv();
  if (DATABASE_URL) return { adminUrl: DATABASE_URL, stop: async () => {} };
  const cluster = await startThrowawayPostgres(name);
  return { adminUrl: cluster.url, stop: cluster.stop };
}

/** A new database with every migration applied, exactly as `mikro-orm migration:up` leaves it. */
export async function createMigratedDatabase(adminUrl: string, database: string, poolMax?: number): Promise<MikroORM> {
  await runAdmin(adminUrl, `create database "${database}"`);
  const orm = await initOrm({ clientUrl: databaseUrl(adminUrl, database), poolMax });
  try {
    await migrateUp(orm);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}
