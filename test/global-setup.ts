// One PostgreSQL for the whole run (embedded, unless DATABASE_URL names a server), and one template database
// built by the same migrations users run. Each test file clones its own database from the template.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { initOrm, loadEnv, migrateUp, startEmbeddedPostgres } from '@threadstore/shared/server';
import { databaseUrl, dropDatabase, runAdmin } from '@threadstore/shared/testing';
import type { TestProject } from 'vitest/node';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  const env = loadEnv();
  let stopCluster = async () => {};
  let adminUrl = env.DATABASE_URL;
  if (!adminUrl) {
    const cluster = await startEmbeddedPostgres({
      baseDir: mkdtempSync(path.join(os.tmpdir(), 'threadstore-test-')),
      port: await freePort(),
      persistent: false,
    });
    adminUrl = cluster.url;
    stopCluster = cluster.stop;
  }
  const templateDatabase = `threadstore_template_${process.pid}`;
  await dropDatabase(adminUrl, templateDatabase);
  await runAdmin(adminUrl, `create database "${templateDatabase}"`);
  const orm = await initOrm({ clientUrl: databaseUrl(adminUrl, templateDatabase) });
  try {
    await migrateUp(orm);
  } finally {
    await orm.close(true);
  }
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  return async () => {
    await dropDatabase(adminUrl, templateDatabase);
    await stopCluster();
  };
}
