// Hostile and careless input over plain HTTP: every refusal a 4xx in threadstore's words, naming the field.
import { createToken } from '@threadstore/api';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { createLogger } from './logging.ts';

let db: TestDatabase;
let app: Awaited<ReturnType<typeof buildApp>>;
let base: string;
let token: string;
const logLines: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildApp({
    orm: db.orm,
    logger: createLogger('info', {
      write(line: string) {
        logLines.push(line);
      },
    }),
    limits: { bodyLimitBytes: 1024 * 1024, maxBatchSize: 4, list: { metadataBytes: 1024, pageBytes: 100_000 } },
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  token = (await createToken(db.orm.em.fork(), { kind: 'user', userId: 'mallory' })).token;
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

interface ErrorBody {
  error: { message: string; data: { code: string; httpStatus: number } };
}
const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const post = (procedure: string, input: unknown) =>
  fetch(`${base}/trpc/${procedure}`, { method: 'POST', headers: headers(), body: JSON.stringify(input) });
const get = (procedure: string, input: unknown) =>
  fetch(`${base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: headers() });
const refusal = async (response: Response) => {
  const body = (await response.json()) as ErrorBody;
  return { status: response.status, code: body.error.data.code, message: body.error.message };
};
/** JSON text nested `depth` objects deep: built as text, since JSON.stringify itself recurses. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
const postRaw = (procedure: string, body: string) =>
  fetch(`${base}/trpc/${procedure}`, { method: 'POST', headers: headers(), body });
const session = crypto.randomUUID();

describe('characters PostgreSQL cannot store', () => {
  it('refuses NUL in any text field, naming it, as a 400 (never 503, never a database error)', async () => {
    const cases: [string, unknown, string][] = [
      ['note.create', { sessionId: session, action: 'a', name: 'n\u0000', context: 'x' }, 'name'],
      ['note.create', { sessionId: session, action: 'a\u0000', name: 'n', context: 'x' }, 'action'],
      ['context.save', { sessionId: session, action: 'a', contextData: { 'k\u0000': 1 } }, 'contextData.k\u0000'],
      [
        'message.append',
        { conversationId: session, role: 'user', parts: [{ type: 'text', text: 'hi\u0000' }] },
        'parts.0.text',
      ],
    ];
    for (const [procedure, input, field] of cases) {
      const answer = await refusal(await post(procedure, input));
      expect(answer.status, procedure).toBe(400);
      expect(answer.code).toBe('BAD_REQUEST');
      expect(answer.message).toMatch(/NUL/);
      expect(answer.message.startsWith(`${field}`), answer.message).toBe(true);
    }
    const cursor = Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', 'x\u0000'])).toString('base64url');
    expect(await refusal(await get('note.list', { sessionId: session, cursor }))).toMatchObject({
      status: 400,
      message: 'cursor: not a cursor this list returned',
    });
  });

  it('refuses lone surrogates', async () => {
    const answer = await refusal(
      await post('note.create', { sessionId: session, action: 'a', name: 'x', context: '\ud800' }),
    );
    expect(answer).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(answer.message).toMatch(/^context: .*surrogate/);
  });
});

describe('depth and size', () => {
  it('refuses JSON nested deeper than 64 levels before anything recurses over it', async () => {
    const append = `{"conversationId":"${session}","role":"user"`;
    for (const [procedure, body, field] of [
      ['message.append', `${append},"parts":[${nested(10_000)}]}`, 'parts.0'],
      ['message.append', `${append},"parts":[{"type":"text","text":"x"}],"metadata":${nested(10_000)}}`, 'metadata'],
      ['context.save', `{"sessionId":"${session}","action":"a","contextData":${nested(10_000)}}`, 'contextData'],
    ] as const) {
      const answer = await refusal(await postRaw(procedure, body));
      expect(answer.status).toBe(400);
      expect(answer.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}[.a-z0-9]*: is nested too deeply`));
    }
    // 60 levels is fine.
    const fine = await postRaw(
      'context.save',
      `{"sessionId":"${session}","action":"deep","contextData":${nested(60)}}`,
    );
    expect(fine.status).toBe(200);
  });

  it('answers a body over the limit with 413 in the tRPC error shape', async () => {
    const answer = await refusal(
      await post('context.save', {
        sessionId: session,
        action: 'big',
        contextData: { x: 'y'.repeat(2 * 1024 * 1024) },
      }),
    );
    expect(answer).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(answer.message).toContain(`${1024 * 1024} bytes`);
  });

  it('lets a client that sends a body over the limit read its 413, whether the body is declared or chunked', async () => {
    const oversized = 'y'.repeat(3 * 1024 * 1024);
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let chunk = 0; chunk < 30; chunk += 1) controller.enqueue(new TextEncoder().encode('y'.repeat(100_000)));
          controller.close();
        },
      });
    // The server used to answer before reading the body and close the connection under the client, which then
    // often met a reset instead of the answer: ten of each in a row leave that no room.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      for (const body of [oversized, chunked()]) {
        const response = await fetch(`${base}/trpc/context.save`, {
          method: 'POST',
          headers: headers(),
          body,
          duplex: 'half',
        } as RequestInit);
        expect(await refusal(response)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
        expect(response.headers.get('connection')).not.toBe('close');
      }
    }
    expect((await post('context.save', { sessionId: session, action: 'after', contextData: {} })).status).toBe(200);
  });

  it('answers a URL past the header limit with 431 in the tRPC error shape, closing the connection', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await get('search.messages', { q: 'x'.repeat(40_000) });
      expect(response.status).toBe(431);
      expect(response.headers.get('connection')).toBe('close');
      const body = (await response.json()) as ErrorBody;
      expect(body.error.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 431 });
      expect(body.error.message).toMatch(/^The URL and headers come to more than \d+ bytes/);
      // The next call opens a new connection instead of meeting the closed one.
      expect((await post('context.save', { sessionId: session, action: 'after', contextData: {} })).status).toBe(200);
    }
  });

  it('refuses batches longer than the limit', async () => {
    const paths = Array(5).fill('conversation.list').join(',');
    const response = await fetch(`${base}/trpc/${paths}?batch=1&input=${encodeURIComponent('{}')}`, {
      headers: headers(),
    });
    expect(response.status).toBe(400);
  });

  it('leaves large metadata out of lists (whole in get) and ends message pages at their byte budget', async () => {
    const conversationId = crypto.randomUUID();
    const metadata = { blob: 'm'.repeat(5000) };
    expect((await post('conversation.create', { id: conversationId, title: 'big', metadata })).status).toBe(200);
    const list = (await (await get('conversation.list', {})).json()) as {
      result: { data: { items: { id: string; metadata: unknown }[] } };
    };
    expect(list.result.data.items.find((item) => item.id === conversationId)?.metadata).toBeNull();
    const one = (await (await get('conversation.get', { id: conversationId })).json()) as {
      result: { data: { metadata: unknown } };
    };
    expect(one.result.data.metadata).toEqual(metadata);

    for (let index = 0; index < 6; index += 1) {
      const parts = [{ type: 'text', text: `${index} ${'p'.repeat(30_000)}` }];
      expect((await post('message.append', { conversationId, role: 'user', parts })).status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = (await (await get('message.list', { conversationId, cursor: cursor ?? undefined })).json()) as {
        result: { data: { items: { content: string }[]; nextCursor: string | null } };
      };
      expect(page.result.data.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.result.data.items.map((item) => item.content.split(' ')[0] as string));
      cursor = page.result.data.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['0', '1', '2', '3', '4', '5']);
  });
});

describe('errors a newcomer can act on', () => {
  it('says the body or the input parameter is not JSON, and where', async () => {
    const body = await refusal(
      await fetch(`${base}/trpc/note.create`, { method: 'POST', headers: headers(), body: '{"sessionId": 1e}' }),
    );
    expect(body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(body.message).toMatch(/^The request body is not valid JSON: the error is at character \d+\.$/);
    const query = await refusal(await fetch(`${base}/trpc/note.list?input=%7Bnope`, { headers: headers() }));
    expect(query.message).toMatch(/^The `input` query parameter is not valid JSON/);
  });

  it('says application/json is expected, in the tRPC error shape', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const response = await fetch(`${base}/trpc/note.create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
        body: '{}',
      });
      const answer = await refusal(response);
      expect(answer.status, contentType).toBe(415);
      expect(answer.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(answer.message).toContain('application/json');
    }
  });

  it('says a missing field is required', async () => {
    const answer = await refusal(await post('note.create', { sessionId: session, name: 'n', context: 'x' }));
    expect(answer.message).toBe('action: is required');
    const round = await refusal(
      await post('message.appendRound', { conversationId: session, assistant: { parts: [] } }),
    );
    expect(round.message).toContain('user: is required');
  });

  it('refuses an unknown time zone and a forged cursor without PostgreSQL words', async () => {
    const zone = await refusal(await get('conversation.stats', { timeZone: "Mars/Olympus'; select 1" }));
    expect(zone).toMatchObject({ status: 400 });
    expect(zone.message).toMatch(/^timeZone: /);
    expect(zone.message).not.toContain('Olympus');
    const forged = Buffer.from(JSON.stringify([true, 'yesterday', 'not-a-uuid!'])).toString('base64url');
    expect(await refusal(await get('conversation.list', { cursor: forged }))).toMatchObject({
      status: 400,
      message: 'cursor: not a cursor this list returned',
    });
  });

  it('answers unknown paths with one metrics series and a 404 in the error shape', async () => {
    for (let index = 0; index < 20; index += 1) await fetch(`${base}/nowhere-${index}`, { method: 'POST' });
    await fetch(`${base}/trpc/no.such.procedure`, { headers: headers() });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).not.toContain('nowhere');
    expect(metrics).not.toContain('no.such.procedure');
    expect(metrics).toMatch(
      /threadstore_http_request_duration_seconds_count\{method="POST",route="unmatched",status="404"\} 20/,
    );
    expect(metrics).toMatch(
      /threadstore_trpc_call_duration_seconds_bucket\{le="[^"]+",procedure="note.create",code="BAD_REQUEST"\}/,
    );
    for (const name of [
      'threadstore_db_pool_connections',
      'threadstore_db_pool_idle',
      'threadstore_db_pool_waiting',
      'threadstore_db_pool_wait_seconds_count',
      'threadstore_db_query_duration_seconds_count',
      'threadstore_table_bytes{table="messages"}',
      'threadstore_database_up 1',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});

describe('request log', () => {
  it('writes one line per request with request id, procedure, user, duration and outcome, and no secret', async () => {
    logLines.length = 0;
    await fetch(`${base}/?token=${token}`);
    await get('note.list', { sessionId: session });
    await app.log.flush?.();
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ procedure: 'note.list', user: 'mallory', status: 200, outcome: 'OK' });
    expect(requests[1]?.reqId).toMatch(/[0-9a-f-]{36}/);
    expect(typeof requests[1]?.durationMs).toBe('number');
    expect(logLines.join('\n')).not.toContain(token);
    expect(logLines.join('\n')).not.toContain(token.slice(4));
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a token spends its requests, and keeps other tokens going', async () => {
    const limited = await buildApp({ orm: db.orm, limits: { rateLimitPerMinute: 5 } });
    const url = await limited.listen({ host: '127.0.0.1', port: 0 });
    const other = (await createToken(db.orm.em.fork(), { kind: 'user', userId: 'trent' })).token;
    try {
      const call = (bearer: string) =>
        fetch(`${url}/trpc/conversation.list`, { headers: { authorization: `Bearer ${bearer}` } });
      const statuses: number[] = [];
      for (let index = 0; index < 6; index += 1) statuses.push((await call(token)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await call(token);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await refusal(refused)).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
      expect((await call(other)).status).toBe(200);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/threadstore_rate_limited_total [1-9]/);
    } finally {
      await limited.close();
    }
  });
});

describe('database session limits', () => {
  it('sets a statement timeout and an idle-in-transaction timeout on every connection', async () => {
    const [row] = await db.orm.em
      .fork()
      .execute<{ statement: string; idle: string }[]>(
        "select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle",
      );
    expect(row).toEqual({ statement: '15s', idle: '30s' });
  });
});
