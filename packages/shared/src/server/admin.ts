// Server-level operations (create and drop databases) for the test suite and the benchmarks.
import pg from 'pg';

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
