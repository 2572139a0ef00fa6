import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate, revokeToken } from '@threadstore/api';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalToken, LOCAL_USER_ID } from './local-token.ts';

let db: TestDatabase;
const folders: string[] = [];
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(folder);
  return folder;
};
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('the local user token', () => {
  it('is made on the first start, saved for its owner only, and printed again on later starts', async () => {
    // A bare clone started with DATABASE_URL has no data folder yet.
    const dataDir = path.join(tempFolder('threadstore-local-'), '.data');
    const token = await ensureLocalToken(db.orm, dataDir);
    expect(token).toMatch(/^tsk_/);
    const file = path.join(dataDir, 'local-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await authenticate(db.orm, `Bearer ${token}`)).toMatchObject({ kind: 'user', userId: LOCAL_USER_ID });

    expect(await ensureLocalToken(db.orm, dataDir)).toBe(token);
    // Another folder (another machine) with tokens already in the database: none is made behind the operator's back.
    expect(await ensureLocalToken(db.orm, tempFolder('threadstore-other-'))).toBeNull();

    const identity = await authenticate(db.orm, `Bearer ${token}`);
    await revokeToken(db.orm.em.fork(), identity?.tokenId as string);
    expect(await ensureLocalToken(db.orm, dataDir)).not.toBe(token);
  });
});
