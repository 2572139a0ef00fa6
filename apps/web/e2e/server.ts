import { fileURLToPath } from 'node:url';
import { createToken } from '@threadstore/api';
import { buildApp } from '@threadstore/server';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';

export const distDir = fileURLToPath(new URL('../dist', import.meta.url));

export interface WebServer {
  url: string;
  db: TestDatabase;
  token(userId: string): Promise<string>;
  close(): Promise<void>;
}

/** The real server with the built web client, on a database of this test file's own. */
export async function startWebServer(): Promise<WebServer> {
  const db = await createTestDatabase();
  const app = await buildApp({ orm: db.orm, webDistDir: distDir });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    db,
    token: async (userId) => (await createToken(db.orm.em.fork(), { kind: 'user', userId })).token,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
