import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticate, countLiveTokens, createToken } from '@threadstore/api';

export const LOCAL_USER_ID = 'local';

/**
 * The token for the local user's web client. Made on the first start (when the database has no live token),
 * kept in a git-ignored file only its owner can read, so every later start can print the same link.
 * Returns null when tokens exist but none was saved here (made with the CLI instead).
 */
export async function ensureLocalToken(orm: MikroORM, dataDir: string): Promise<string | null> {
  const file = path.join(dataDir, 'local-token');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (await authenticate(orm, `Bearer ${saved}`)) return saved;
  }
  const em = orm.em.fork();
  if ((await countLiveTokens(em)) > 0) return null;
  const { token } = await createToken(em, { kind: 'user', userId: LOCAL_USER_ID, label: 'local web client' });
  // With DATABASE_URL nothing else makes the data folder: a bare clone has none yet.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
