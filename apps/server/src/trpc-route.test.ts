import { createToken } from '@threadstore/api';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { createLogger } from './logging.ts';

// The route answers single calls itself and leaves the rest to tRPC's adapter. Every request below goes to two
// servers on one database, one answering as the route does and one with every request through tRPC's adapter:
// the answers must be the same, byte for byte.

let db: TestDatabase;
let direct: Awaited<ReturnType<typeof buildApp>>;
let adapter: Awaited<ReturnType<typeof buildApp>>;
let directBase: string;
let adapterBase: string;
let aliceToken: string;
let serviceToken: string;

type LogLine = Record<string, unknown>;
const directLog: LogLine[] = [];
const adapterLog: LogLine[] = [];
const loggerInto = (lines: LogLine[]) =>
  createLogger('info', { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });

beforeAll(async () => {
  db = await createTestDatabase();
  direct = await buildApp({ orm: db.orm, logger: loggerInto(directLog) });
  adapter = await buildApp({ orm: db.orm, logger: loggerInto(adapterLog), directSingleCalls: false });
  directBase = await direct.listen({ host: '127.0.0.1', port: 0 });
  adapterBase = await adapter.listen({ host: '127.0.0.1', port: 0 });
  aliceToken = (await createToken(db.orm.em.fork(), { kind: 'user', userId: 'alice' })).token;
  serviceToken = (await createToken(db.orm.em.fork(), { kind: 'service', label: 'agents' })).token;
});
afterAll(async () => {
  await direct.close();
  await adapter.close();
  await db.drop();
});

interface Request {
  method: 'GET' | 'POST';
  /** Path and query after the origin. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (token: string) => ({ ...bearer(token), 'content-type': 'application/json' });
const query = (procedure: string, input: unknown, token = aliceToken): Request => ({
  method: 'GET',
  url: `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
  headers: bearer(token),
});
const mutation = (procedure: string, input: unknown, token = aliceToken): Request => ({
  method: 'POST',
  url: `/trpc/${procedure}`,
  headers: json(token),
  body: JSON.stringify(input),
});

async function answer(base: string, request: Request) {
  const response = await fetch(`${base}${request.url}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    vary: response.headers.get('vary'),
    body: await response.text(),
    // The route's answers are sent whole, with their length; tRPC's adapter streams its Response.
    answeredByRoute: response.headers.get('content-length') !== null && !response.headers.has('transfer-encoding'),
  };
}

/** The two servers' answers to `request` (the route's first: a write's second answer is its replay). */
async function bothAnswers(request: Request) {
  const fromRoute = await answer(directBase, request);
  const fromAdapter = await answer(adapterBase, request);
  const { answeredByRoute, ...routeAnswer } = fromRoute;
  const { answeredByRoute: _, ...adapterAnswer } = fromAdapter;
  expect(routeAnswer).toEqual(adapterAnswer);
  return { answeredByRoute, status: fromRoute.status, body: fromRoute.body };
}

/** `request` as a batch of one: its input (already keyed "0") stays where it is, `batch=1` joins the query. */
const batchOfOne = (request: Request): Request => ({
  ...request,
  url: request.url.includes('?') ? request.url.replace('?', '?batch=1&') : `${request.url}?batch=1`,
});

type Case = [name: string, request: () => Request, status: number];

/** Each case's two answers are the same and have `status`; the route answered it itself, or left it to tRPC. */
function answersAlike(cases: Case[], answeredByRoute: boolean) {
  const title = answeredByRoute ? '%s: the same answer as tRPC’s adapter' : '%s: the adapter’s answer';
  it.each(cases)(title, async (_name, request, status) => {
    const answers = await bothAnswers(request());
    expect(answers.status).toBe(status);
    expect(answers.answeredByRoute).toBe(answeredByRoute);
  });
}

const round = (conversationId: string, text: string) => ({
  conversationId,
  user: { id: `${conversationId}-u`, parts: [{ type: 'text', text: `问题: ${text}` }] },
  assistant: { id: `${conversationId}-a`, parts: [{ type: 'text', text: `回答: ${text}` }] },
});
const deeplyNested = (depth: number): unknown => (depth === 0 ? 'leaf' : { next: deeplyNested(depth - 1) });

describe('single calls answered by the route', () => {
  const cases: Case[] = [
    ['a query', () => query('conversation.list', { limit: 5 }), 200],
    [
      'a query with no input',
      () => ({ method: 'GET', url: '/trpc/conversation.list', headers: bearer(aliceToken) }),
      200,
    ],
    ['a query for a row that is not there', () => query('conversation.get', { id: 'no-such-chat' }), 404],
    ['a query whose input fails its schema', () => query('conversation.list', { limit: 1000 }), 400],
    ['a mutation, then its replay', () => mutation('message.appendRound', round('route-chat', '天气')), 200],
    [
      'a mutation reusing an id for other content',
      () => mutation('message.appendRound', round('route-chat', '旅行')),
      409,
    ],
    [
      'a mutation refused by the input guard',
      () =>
        mutation('message.append', {
          conversationId: 'route-deep',
          role: 'user',
          parts: [{ type: 'text', text: 'deep' }],
          metadata: deeplyNested(200),
        }),
      400,
    ],
    ['a mutation whose body is JSON null', () => ({ ...mutation('message.append', null), body: 'null' }), 400],
    ['a call with no token', () => ({ method: 'GET', url: '/trpc/conversation.list' }), 401],
    ['a call with an unknown token', () => query('conversation.list', {}, 'tsk_not_a_real_token'), 401],
    ['a service token that names no user', () => query('conversation.list', {}, serviceToken), 400],
    ['a service token acting for a user', () => query('conversation.list', { userId: 'alice' }, serviceToken), 200],
    [
      'a JSON content type with a charset',
      () => ({
        ...mutation('conversation.create', { id: 'route-charset', title: '字符集' }),
        headers: { ...bearer(aliceToken), 'content-type': 'application/json; charset=utf-8' },
      }),
      200,
    ],
    [
      'a percent-encoded procedure name',
      () => ({ ...query('conversation.list', {}), url: '/trpc/conversation%2Elist' }),
      200,
    ],
    // What tRPC's httpBatchLink (the web client's, @threadstore/client's) sends for a call made on its own.
    ['a query as a batch of one', () => batchOfOne(query('conversation.list', { 0: { limit: 2 } })), 200],
    ['a batch of one with no input', () => batchOfOne(query('conversation.list', {})), 200],
    [
      'a batch of one whose input fails its schema',
      () => batchOfOne(query('conversation.list', { 0: { limit: 0 } })),
      400,
    ],
    [
      'a mutation as a batch of one, then its replay',
      () => batchOfOne(mutation('message.appendRound', { 0: round('route-batched', '北京') })),
      200,
    ],
  ];
  answersAlike(cases, true);

  it('hands back the stored round, in order and unchanged, through either path', async () => {
    const listed = await bothAnswers(query('message.list', { conversationId: 'route-chat' }));
    expect(JSON.parse(listed.body).result.data.items.map((message: { id: string }) => message.id)).toEqual([
      'route-chat-u',
      'route-chat-a',
    ]);
    expect(listed.body).toContain('问题: 天气');
  });
});

it('logs a refused call the same way on either path: its cause, then one line for the request', async () => {
  directLog.length = 0;
  adapterLog.length = 0;
  const tooDeep = mutation('message.append', {
    conversationId: 'route-logged',
    role: 'user',
    parts: [{ type: 'text', text: 'deep' }],
    metadata: deeplyNested(200),
  });
  expect((await bothAnswers(tooDeep)).status).toBe(400);
  const lines = (log: LogLine[]) =>
    log.map(({ msg, procedure, code, outcome, status, user, err }) => ({
      msg,
      procedure,
      code,
      outcome,
      status,
      user,
      cause: (err as { message?: string } | undefined)?.message,
    }));
  expect(lines(directLog)).toEqual(lines(adapterLog));
  expect(lines(directLog).map((line) => line.msg)).toEqual(['procedure refused', 'request']);
  expect(lines(directLog)[1]).toMatchObject({ procedure: 'message.append', outcome: 'BAD_REQUEST', user: 'alice' });
  expect(directLog[0]?.reqId).toBe(directLog[1]?.reqId);
});

it('refuses a body that is not JSON before either path sees it, in the same words', async () => {
  const request = mutation('conversation.create', {});
  const answers = await bothAnswers({ ...request, headers: { ...bearer(aliceToken), 'content-type': 'text/plain' } });
  expect(answers.status).toBe(415);
  expect(JSON.parse(answers.body).error.data.code).toBe('UNSUPPORTED_MEDIA_TYPE');
});

describe('everything else, left to tRPC’s adapter', () => {
  const cases: Case[] = [
    [
      'a batch',
      () => ({
        ...query('conversation.list,conversation.list', { 0: {}, 1: { limit: 1 } }),
        url: `/trpc/conversation.list,conversation.list?batch=1&input=${encodeURIComponent('{"0":{},"1":{"limit":1}}')}`,
      }),
      200,
    ],
    [
      'a streamed batch',
      () => ({
        method: 'GET',
        url: `/trpc/conversation.list?batch=1&input=${encodeURIComponent('{"0":{}}')}`,
        headers: { ...bearer(aliceToken), 'trpc-accept': 'application/jsonl' },
      }),
      200,
    ],
    ['a query sent by POST', () => mutation('conversation.list', {}), 405],
    ['a mutation sent by GET', () => query('conversation.create', {}), 405],
    ['an unknown procedure', () => query('conversation.nothing', {}), 404],
    [
      'an input that is not JSON',
      () => ({ ...query('conversation.list', {}), url: '/trpc/conversation.list?input=%7B' }),
      400,
    ],
    ['a body that is not JSON', () => ({ ...mutation('conversation.create', {}), body: '{"title": ' }), 400],
    [
      'a query parameter beside the input',
      () => ({ ...query('conversation.list', {}), url: `${query('conversation.list', {}).url}&extra=1` }),
      200,
    ],
    [
      'a batch of one whose input is not an object',
      () =>
        batchOfOne({
          ...query('conversation.list', {}),
          url: `/trpc/conversation.list?input=${encodeURIComponent('[1]')}`,
        }),
      400,
    ],
    [
      'a mutation with a query string',
      () => ({ ...mutation('conversation.create', { id: 'route-query' }), url: '/trpc/conversation.create?trace=1' }),
      200,
    ],
    [
      'a procedure name percent-encoded twice',
      () => ({ ...query('conversation.list', {}), url: '/trpc/conversation%252Elist' }),
      200,
    ],
  ];
  answersAlike(cases, false);
});
