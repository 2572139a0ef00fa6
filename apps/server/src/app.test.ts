import { createToken, hashToken, revokeToken, TOKEN_CACHE_MS } from '@threadstore/api';
import { ApiToken, initOrm } from '@threadstore/shared/server';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';

let db: TestDatabase;
let app: Awaited<ReturnType<typeof buildApp>>;
let base: string;
let userToken: string;
let serviceToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildApp({ orm: db.orm });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  userToken = (await createToken(db.orm.em.fork(), { kind: 'user', userId: 'alice' })).token;
  serviceToken = (await createToken(db.orm.em.fork(), { kind: 'service', label: 'agents' })).token;
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

interface TrpcBody {
  result: {
    data: {
      [key: string]: unknown;
      user: { createdAt: string };
      items: { content: string }[];
      nextCursor: string | null;
    };
  };
  error: { message: string; data: { code: string } };
}
const body = async (response: Response) => (await response.json()) as TrpcBody;

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const post = (procedure: string, token: string, input: unknown) =>
  fetch(`${base}/trpc/${procedure}`, { method: 'POST', headers: auth(token), body: JSON.stringify(input) });
const get = (procedure: string, token: string, input?: unknown) =>
  fetch(
    `${base}/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
    {
      headers: auth(token),
    },
  );

describe('health', () => {
  it('answers /healthz and /readyz, with a request id on every response', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    const ready = await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'trace-me' } });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'ok' });
    expect(ready.headers.get('x-request-id')).toBe('trace-me');
  });

  it('exposes Prometheus metrics', async () => {
    await fetch(`${base}/healthz`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /threadstore_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
    expect(metrics).toContain('threadstore_database_up 1');
  });

  it('reports an unreachable database as not ready, and calls fail fast with SERVICE_UNAVAILABLE', async () => {
    const orm = await initOrm({ clientUrl: 'postgres://postgres:x@127.0.0.1:1/none', connectTimeoutMs: 1000 });
    const down = await buildApp({ orm });
    const url = await down.listen({ host: '127.0.0.1', port: 0 });
    try {
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      const started = Date.now();
      const response = await fetch(`${url}/trpc/conversation.list`, { headers: auth(userToken) });
      expect(response.status).toBe(503);
      expect((await body(response)).error.data.code).toBe('SERVICE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await down.close();
      await orm.close(true);
    }
  });
});

describe('bearer tokens', () => {
  it('refuses requests without a valid token', async () => {
    expect((await fetch(`${base}/trpc/conversation.list`)).status).toBe(401);
    expect((await get('conversation.list', 'tsk_not-a-real-token')).status).toBe(401);
    expect((await body(await get('conversation.list', 'nope'))).error.data.code).toBe('UNAUTHORIZED');
  });

  it('stops accepting a token once it is revoked, and records when it was used', async () => {
    const { token, record } = await createToken(db.orm.em.fork(), { kind: 'user', userId: 'zed' });
    expect((await get('conversation.list', token)).status).toBe(200);
    const [row] = await db.orm.em
      .fork()
      .execute<{ last_used_at: Date | null }[]>('select last_used_at from api_tokens where id = ?', [record.id]);
    expect(row?.last_used_at).not.toBeNull();
    expect(await revokeToken(db.orm.em.fork(), record.id)).toBe(true);
    expect((await get('conversation.list', token)).status).toBe(401);
  });

  it('refuses a token revoked by another process within a second', async () => {
    const { token, record } = await createToken(db.orm.em.fork(), { kind: 'user', userId: 'zoe' });
    expect((await get('conversation.list', token)).status).toBe(200);
    // What `pnpm threadstore token revoke` does from its own process: this process's cache is not told.
    await db.orm.em.fork().execute('update api_tokens set revoked_at = now() where id = ?', [record.id]);
    await new Promise((resolve) => setTimeout(resolve, TOKEN_CACHE_MS + 50));
    expect((await get('conversation.list', token)).status).toBe(401);
  });

  it('remembers a refused token for a second, then asks the database again', async () => {
    const token = `tsk_${crypto.randomUUID()}`;
    expect((await get('conversation.list', token)).status).toBe(401);
    // The token appears in the database afterwards, as if made by another process; this one is not told.
    const em = db.orm.em.fork();
    em.create(ApiToken, { tokenHash: hashToken(token), kind: 'user', userId: 'yan', label: null });
    await em.flush();
    expect((await get('conversation.list', token)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, TOKEN_CACHE_MS + 50));
    expect((await get('conversation.list', token)).status).toBe(200);
  });

  it('stores only a hash of each token', async () => {
    const rows = await db.orm.em.fork().execute<{ token_hash: string }[]>('select token_hash from api_tokens');
    for (const row of rows) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.token_hash).not.toBe(userToken);
    }
  });

  it('lets a service token act for the user it names, and only for that user', async () => {
    const conversationId = crypto.randomUUID();
    const made = await post('message.append', serviceToken, {
      userId: 'bob',
      conversationId,
      role: 'user',
      parts: [{ type: 'text', text: 'from an agent' }],
    });
    expect(made.status).toBe(200);
    expect((await get('conversation.get', serviceToken, { userId: 'bob', id: conversationId })).status).toBe(200);
    expect((await get('conversation.get', serviceToken, { userId: 'alice', id: conversationId })).status).toBe(404);
    expect((await get('conversation.get', userToken, { id: conversationId })).status).toBe(404);
    expect((await get('conversation.list', serviceToken)).status).toBe(400);
  });
});

describe('plain JSON over HTTP', () => {
  it('takes appendRound and message.list from any language, with ISO-8601 dates and no envelope', async () => {
    const conversationId = crypto.randomUUID();
    const round = await post('message.appendRound', userToken, {
      conversationId,
      user: { parts: [{ type: 'text', text: '你好' }] },
      assistant: { parts: [{ type: 'text', text: 'hello' }] },
    });
    expect(round.status).toBe(200);
    const stored = (await body(round)).result.data;
    expect(stored.user.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const list = await get('message.list', userToken, { conversationId });
    const page = (await body(list)).result.data;
    expect(page.items.map((message) => message.content)).toEqual(['你好', 'hello']);
    expect(page.nextCursor).toBeNull();
  });

  it('answers bad input with 400 naming the field, and a batch runs its calls independently', async () => {
    const bad = await post('message.append', userToken, { conversationId: 'not an id!', role: 'user', parts: [] });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.message).toContain('conversationId');

    const first = crypto.randomUUID();
    const second = crypto.randomUUID();
    const batch = await fetch(`${base}/trpc/conversation.create,conversation.create?batch=1`, {
      method: 'POST',
      headers: auth(userToken),
      body: JSON.stringify({ 0: { id: first, title: 'one' }, 1: { id: second, title: 'two' } }),
    });
    expect(batch.status).toBe(200);
    const results = (await batch.json()) as { result: { data: { id: string } } }[];
    expect(results.map((result) => result.result.data.id)).toEqual([first, second]);
  });
});

describe('graceful shutdown', () => {
  it('finishes the writes in flight when it closes: every answered write is stored, none half-done', async () => {
    const closing = await buildApp({ orm: db.orm });
    const url = await closing.listen({ host: '127.0.0.1', port: 0 });
    let arrived = 0;
    closing.server.on('request', () => {
      arrived += 1;
    });
    const conversationId = crypto.randomUUID();
    const writes = Array.from({ length: 20 }, (_, index) =>
      fetch(`${url}/trpc/message.appendRound`, {
        method: 'POST',
        headers: auth(userToken),
        body: JSON.stringify({
          conversationId,
          user: { parts: [{ type: 'text', text: `q${index}` }] },
          assistant: { parts: [{ type: 'text', text: `a${index}` }] },
        }),
      }).then(
        (response) => response.status,
        () => 'refused' as const,
      ),
    );
    while (arrived < 5) await new Promise((resolve) => setTimeout(resolve, 1));
    await closing.close();
    const outcomes = await Promise.all(writes);
    const answered = outcomes.filter((outcome) => outcome === 200).length;
    expect(outcomes.every((outcome) => outcome === 200 || outcome === 503 || outcome === 'refused')).toBe(true);
    const [stored] = await db.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*) as n from messages where conversation_uuid = ?', [conversationId]);
    expect(Number(stored?.n)).toBe(answered * 2);
    expect(answered).toBeGreaterThanOrEqual(5);
  });
});
