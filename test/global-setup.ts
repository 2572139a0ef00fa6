// One PostgreSQL for the whole run (embedded, unless DATABASE_URL names a server), and one template database
// built by the same migrations users run. Each test file clones its own database from the template.
import { createMigratedDatabase, dropDatabase, throwawayServer } from '@threadstore/shared/server';
// The provided values' types are declared beside the helpers that inject them.
import type {} from '@threadstore/shared/testing';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const { adminUrl, stop } = await throwawayServer('test');
  const templateDatabase = `threadstore_template_${process.pid}`;
  await dropDatabase(adminUrl, templateDatabase);
  await (await createMigratedDatabase(adminUrl, templateDatabase)).close(true);
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);
  return async () => {
    await dropDatabase(adminUrl, templateDatabase);
    await stop();
  };
}
