import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { ApiTokenKind } from '@threadstore/shared';
import { ApiToken } from '@threadstore/shared/server';
import type { Identity } from './context.ts';

const TOKEN_PREFIX = 'tsk_';

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to store them: there is nothing to brute-force. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TokenRecord {
  id: string;
  kind: ApiTokenKind;
  userId: string | null;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

function toRecord(token: ApiToken): TokenRecord {
  return {
    id: token.id,
    kind: token.kind,
    userId: token.userId ?? null,
    label: token.label ?? null,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt ?? null,
    revokedAt: token.revokedAt ?? null,
  };
}

/** Creates a token; the plain token is returned here once and never stored. */
export async function createToken(
  em: EntityManager,
  options: { kind: ApiTokenKind; userId?: string | null; label?: string | null },
): Promise<{ token: string; record: TokenRecord }> {
  if (options.kind === 'user' && !options.userId) throw new Error('A user token needs a user id.');
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const entity = em.create(ApiToken, {
    tokenHash: hashToken(token),
    kind: options.kind,
    userId: options.userId ?? null,
    label: options.label ?? null,
  });
  await em.flush();
  return { token, record: toRecord(entity) };
}

export async function listTokens(em: EntityManager): Promise<TokenRecord[]> {
  const tokens = await em.find(ApiToken, {}, { orderBy: { createdAt: 'asc' } });
  return tokens.map(toRecord);
}

/** Revokes by id; returns false when no live token has that id. */
export async function revokeToken(em: EntityManager, id: string): Promise<boolean> {
  const revoked = await em.nativeUpdate(ApiToken, { id, revokedAt: null }, { revokedAt: new Date() });
  return revoked > 0;
}

export async function countLiveTokens(em: EntityManager): Promise<number> {
  return em.count(ApiToken, { revokedAt: null });
}

/** Resolves an `Authorization: Bearer ...` header to an identity; null when absent, unknown or revoked. */
export async function authenticate(orm: MikroORM, authorization: string | undefined): Promise<Identity | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  const em = orm.em.fork();
  const rows = await em.execute<{ id: string; kind: ApiTokenKind; user_id: string | null; stale: boolean }[]>(
    `select id, kind, user_id, (last_used_at is null or last_used_at < now() - interval '1 minute') as stale
       from api_tokens where token_hash = ? and revoked_at is null`,
    [hashToken(match[1])],
  );
  const row = rows[0];
  if (!row) return null;
  // last_used_at is kept to the minute, so a busy token does not write a row on every request.
  if (row.stale) await em.execute('update api_tokens set last_used_at = now() where id = ?', [row.id]);
  return { tokenId: row.id, kind: row.kind, userId: row.user_id };
}
