// Test helpers: a database of its own for each test file, cloned from the migrated template (see test/global-setup.ts).
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { inject } from 'vitest';
import { databaseUrl, dropDatabase, runAdmin } from './admin.ts';
import { initOrm } from './orm.ts';

export { databaseUrl, dropDatabase, runAdmin };

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  orm: MikroORM;
  drop(): Promise<void>;
}

/** A fresh database for one test file, with every migration applied; `drop()` removes it. */
export async function createTestDatabase(options: { fromTemplate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const name = `threadstore_test_${randomBytes(6).toString('hex')}`;
  const template = options.fromTemplate === false ? 'template0' : inject('templateDatabase');
  await runAdmin(adminUrl, `create database "${name}" template "${template}"`);
  const url = databaseUrl(adminUrl, name);
  const orm = await initOrm({ clientUrl: url, poolMax: 20 });
  return {
    name,
    url,
    orm,
    async drop() {
      await orm.close(true);
      await dropDatabase(adminUrl, name);
    },
  };
}

export { everyAssistantPart, everyUserPart, type FixturePart } from '../schemas/parts.fixtures.ts';
