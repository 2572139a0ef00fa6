// One PostgreSQL for the whole run (embedded, unless DATABASE_URL names a server), and one template database
// built by the same migrations users run. Each test file clones its own database from the template.
import {
  databaseUrl,
  dropDatabase,
  initOrm,
  loadEnv,
  migrateUp,
  runAdmin,
  startThrowawayPostgres,
} from '@threadstore/shared/server';
// The provided values' types are declared beside the helpers that inject them.
import type {} from '@threadstore/shared/testing';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const env = loadEnv();
  const cluster = env.DATABASE_URL ? undefined : await startThrowawayPostgres('test');
  const adminUrl = env.DATABASE_URL ?? (cluster?.url as string);
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
    await cluster?.stop();
  };
}
