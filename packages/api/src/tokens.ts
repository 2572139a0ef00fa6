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
  revokedInThisProcess.add(id);
  return revoked > 0;
}

export async function countLiveTokens(em: EntityManager): Promise<number> {
  return em.count(ApiToken, { revokedAt: null });
}

/**
 * How long a resolved token is trusted without asking the database again. A revocation made by another process
 * (the command line) takes effect within this time; one made in this process takes effect at once.
 */
export const TOKEN_CACHE_MS = 1_000;
const TOKEN_CACHE_ENTRIES = 10_000;
/**
 * Headers naming no live token, remembered as long: a client retrying with a wrong or revoked token costs one
 * lookup a second, not one per request (under load each lookup cost the server about 0.35 ms of CPU besides the
 * query: bench/README.md). A token can only be presented once it exists, so no new token is refused by it. Fewer
 * entries than for live tokens, so a stream of made-up tokens cannot push those out.
 */
const UNKNOWN_TOKEN_ENTRIES = 1_000;
/** Longer headers are not remembered: a token's header is 54 characters, and keys must stay small. */
const CACHED_HEADER_LENGTH = 256;
const LAST_USED_RESOLUTION_MS = 60_000;

interface CachedIdentity {
  identity: Identity;
  expiresAt: number;
}

/** Per database: a process serving several (the tests) must not answer one database's token from another. */
interface IdentityCache {
  /** By the whole Authorization header, so a request with a known token skips parsing and hashing it. */
  live: Map<string, CachedIdentity>;
  /** By the whole Authorization header: when the header stops being refused without a lookup. */
  unknown: Map<string, number>;
}
const identityCaches = new WeakMap<MikroORM, IdentityCache>();

function cacheOf(orm: MikroORM): IdentityCache {
  let cache = identityCaches.get(orm);
  if (!cache) {
    cache = { live: new Map(), unknown: new Map() };
    identityCaches.set(orm, cache);
  }
  return cache;
}

/** Revocations are rare: remembering their ids is cheaper than finding each cache that holds the token. */
const revokedInThisProcess = new Set<string>();

/** Insertion order is age order: the oldest entry goes first when a map is full. */
function remember<V>(map: Map<string, V>, key: string, value: V, entries: number): void {
  if (key.length > CACHED_HEADER_LENGTH) return;
  map.delete(key);
  if (map.size >= entries) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

/** Resolves an `Authorization: Bearer ...` header to an identity; null when absent, unknown or revoked. */
export async function authenticate(orm: MikroORM, authorization: string | undefined): Promise<Identity | null> {
  if (!authorization) return null;
  const cache = cacheOf(orm);
  const now = Date.now();
  const cached = cache.live.get(authorization);
  if (cached && cached.expiresAt > now && !revokedInThisProcess.has(cached.identity.tokenId)) return cached.identity;
  if (cached) cache.live.delete(authorization);
  const refusedUntil = cache.unknown.get(authorization);
  if (refusedUntil !== undefined && refusedUntil > now) return null;

  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) return null;
  const tokenHash = hashToken(match[1]);
  const em = orm.em.fork();
  const token = await em.findOne(
    ApiToken,
    { tokenHash, revokedAt: null },
    { fields: ['id', 'kind', 'userId', 'lastUsedAt'], disableIdentityMap: true },
  );
  if (!token) {
    remember(cache.unknown, authorization, now + TOKEN_CACHE_MS, UNKNOWN_TOKEN_ENTRIES);
    return null;
  }
  // last_used_at is kept to the minute, so a busy token does not write a row on every request.
  if (!token.lastUsedAt || token.lastUsedAt.getTime() < now - LAST_USED_RESOLUTION_MS) {
    await em.nativeUpdate(ApiToken, { id: token.id }, { lastUsedAt: new Date(now) });
  }
  const identity: Identity =
    token.kind === 'service'
      ? { kind: 'service', tokenId: token.id, userId: null }
      : { kind: 'user', tokenId: token.id, userId: token.userId as string };
  cache.unknown.delete(authorization);
  remember(cache.live, authorization, { identity, expiresAt: now + TOKEN_CACHE_MS }, TOKEN_CACHE_ENTRIES);
  return identity;
}
