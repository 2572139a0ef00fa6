import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticate, revokeToken } from '@threadstore/api';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalToken, LOCAL_USER_ID } from './local-token.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('the local user token', () => {
  it('is made on the first start, saved for its owner only, and printed again on later starts', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'threadstore-local-'));
    const token = await ensureLocalToken(db.orm, dataDir);
    expect(token).toMatch(/^tsk_/);
    const file = path.join(dataDir, 'local-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await authenticate(db.orm, `Bearer ${token}`)).toMatchObject({ kind: 'user', userId: LOCAL_USER_ID });

    expect(await ensureLocalToken(db.orm, dataDir)).toBe(token);
    // Another folder (another machine) with tokens already in the database: none is made behind the operator's back.
    expect(await ensureLocalToken(db.orm, mkdtempSync(path.join(os.tmpdir(), 'threadstore-other-')))).toBeNull();

    const identity = await authenticate(db.orm, `Bearer ${token}`);
    await revokeToken(db.orm.em.fork(), identity?.tokenId as string);
    expect(await ensureLocalToken(db.orm, dataDir)).not.toBe(token);
  });
});
