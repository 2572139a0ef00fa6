import type { AppRouter } from '@threadstore/api';
import { buildApp } from '@threadstore/server';
import { initOrm } from '@threadstore/shared/server';
import { TRPCClientError } from '@trpc/client';
import { afterAll, describe, expect, it } from 'vitest';
import { backoffDelay } from './links.ts';
import { fastClient, recordingFetch, startLossyProxy, startTestServerFor, text } from './testing.ts';

const { server, token: aliceToken, client: alice } = await startTestServerFor('alice');
afterAll(() => server.close());

async function failureOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const codeOf = async (promise: Promise<unknown>) => (await failureOf(promise)).data?.code;

async function historyOf(conversationId: string) {
  return (await alice.message.list.query({ conversationId, limit: 100 })).items;
}

const USER_MESSAGE =
  '做小红书账号的目的：我希望在小红书展示自己对汽车知识的理解，通过输出技术流内容建立起信任，最终成功找到愿意购车的客户';
const conciergeCall = {
  type: 'tool-nova3_concierge',
  toolCallId: '1753081507585',
  state: 'output-available',
  input: {},
  output: { data: [{ id: 'concierge1', type: 'message', content: '收到！我们马上启动分析。' }] },
};

describe('every message procedure over HTTP', () => {
  it('writes with ids the client chose before sending', async () => {
    const recorder = recordingFetch();
    const client = fastClient({ url: server.url, token: aliceToken, fetch: recorder.fetch });
    const conversation = await client.conversation.create.mutate({ title: '汽车知识' });
    const first = await client.message.append.mutate({
      conversationId: conversation.id,
      role: 'user',
      parts: [text(USER_MESSAGE)],
    });
    const round = await client.message.appendRound.mutate({
      conversationId: conversation.id,
      user: { parts: [text('ok')] },
      assistant: { parts: [conciergeCall, text('收到')] },
    });
    const started = await client.message.start.mutate({ conversationId: conversation.id });
    expect(recorder.requests.map((request) => [request.path, request.inputs[0]])).toEqual([
      ['conversation.create', { title: '汽车知识', id: conversation.id }],
      ['message.append', expect.objectContaining({ id: first.id })],
      ['message.appendRound', expect.objectContaining({ user: expect.objectContaining({ id: round.user.id }) })],
      ['message.start', expect.objectContaining({ id: started.id })],
    ]);
    expect(round.assistant).toMatchObject({
      role: 'assistant',
      status: 'complete',
      parts: [conciergeCall, text('收到')],
    });
    expect((await historyOf(conversation.id)).map((message) => message.id)).toEqual([
      first.id,
      round.user.id,
      round.assistant.id,
      started.id,
    ]);
    expect((await client.conversation.get.query({ id: conversation.id })).messageCount).toBe(4);
  });

  it('keeps a caller-chosen id, and answers a replay with the stored row', async () => {
    const conversationId = crypto.randomUUID();
    const id = crypto.randomUUID();
    const input = { id, conversationId, role: 'user' as const, parts: [text(USER_MESSAGE)] };
    const stored = await alice.message.append.mutate(input);
    expect(stored.id).toBe(id);
    expect(await alice.message.append.mutate(input)).toEqual(stored);
    expect(await historyOf(conversationId)).toEqual([stored]);
  });

  it('reads history both ways, recent messages and one message; updates and deletes', async () => {
    const conversationId = crypto.randomUUID();
    const ids: string[] = [];
    for (const word of ['one', 'two', 'three']) {
      ids.push((await alice.message.append.mutate({ conversationId, role: 'user', parts: [text(word)] })).id);
    }
    const newer = await alice.message.list.query({ conversationId, limit: 2 });
    expect(newer.items.map((message) => message.content)).toEqual(['one', 'two']);
    const rest = await alice.message.list.query({ conversationId, limit: 2, cursor: newer.nextCursor ?? undefined });
    expect(rest).toMatchObject({ items: [{ content: 'three' }], nextCursor: null });
    const older = await alice.message.list.query({ conversationId, limit: 2, direction: 'older' });
    expect(older.items.map((message) => message.content)).toEqual(['two', 'three']);
    expect((await alice.message.recent.query({ conversationId, hours: 1 })).map((message) => message.id)).toEqual(ids);

    const [firstId, secondId] = ids as [string, string];
    expect(await alice.message.get.query({ id: firstId })).toMatchObject({ id: firstId, content: 'one' });
    expect(await alice.message.update.mutate({ id: firstId, parts: [text('uno')] })).toMatchObject({ content: 'uno' });
    expect(await alice.message.delete.mutate({ id: secondId })).toEqual({ id: secondId, deleted: true });
    expect((await historyOf(conversationId)).map((message) => message.content)).toEqual(['uno', 'three']);
  });

  it('sends more calls than the server takes in one batch as several batches', async () => {
    const recorder = recordingFetch();
    const client = fastClient({ url: server.url, token: aliceToken, fetch: recorder.fetch });
    const conversation = await client.conversation.create.mutate({ title: 'fifty reads' });
    const reads = await Promise.all(
      Array.from({ length: 50 }, () => client.conversation.get.query({ id: conversation.id })),
    );
    expect(reads.map((read) => read.id)).toEqual(Array(50).fill(conversation.id));
    const batches = recorder.requests.slice(1).map((request) => request.path.split(',').length);
    expect(batches).toEqual([32, 18]);
  });

  it('streams a reply: start, checkpoint at an index, finish', async () => {
    const conversationId = crypto.randomUUID();
    const { id } = await alice.message.start.mutate({ conversationId, parts: [text('收到')] });
    await alice.message.appendParts.mutate({ id, parts: [conciergeCall] });
    const checkpoint = { id, index: 0, parts: [text('收到！')] };
    await alice.message.appendParts.mutate(checkpoint);
    expect(await alice.message.appendParts.mutate(checkpoint)).toMatchObject({
      status: 'streaming',
      parts: [text('收到！'), conciergeCall],
    });
    expect(await alice.message.finish.mutate({ id, status: 'complete' })).toMatchObject({
      status: 'complete',
      content: '收到！',
      parts: [text('收到！'), conciergeCall],
    });
  });
});

describe('retries', () => {
  it('stores a round once when its response is lost after the server committed it', async () => {
    const proxy = await startLossyProxy(server.url);
    try {
      const client = fastClient({ url: proxy.url, token: aliceToken });
      const conversationId = crypto.randomUUID();
      proxy.loseResponseTo('message.appendRound');
      const round = await client.message.appendRound.mutate({
        conversationId,
        user: { parts: [text(USER_MESSAGE)] },
        assistant: { parts: [conciergeCall] },
      });
      expect(proxy.calls).toEqual(['message.appendRound', 'message.appendRound']);
      expect((await historyOf(conversationId)).map((message) => message.id)).toEqual([
        round.user.id,
        round.assistant.id,
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('stores a message once when its response is lost after the server committed it', async () => {
    const proxy = await startLossyProxy(server.url);
    try {
      const client = fastClient({ url: proxy.url, token: aliceToken });
      const conversationId = crypto.randomUUID();
      proxy.loseResponseTo('message.append');
      const message = await client.message.append.mutate({ conversationId, role: 'user', parts: [text('hi')] });
      expect(proxy.calls).toEqual(['message.append', 'message.append']);
      expect(await historyOf(conversationId)).toEqual([message]);
    } finally {
      await proxy.close();
    }
  });

  it('stores a note once when its response is lost after the server committed it', async () => {
    const proxy = await startLossyProxy(server.url);
    try {
      const client = fastClient({ url: proxy.url, token: aliceToken });
      const sessionId = crypto.randomUUID();
      proxy.loseResponseTo('note.create');
      const note = await client.note.create.mutate({ sessionId, action: 'profile', name: 'profile1', context: '…' });
      expect(proxy.calls).toEqual(['note.create', 'note.create']);
      expect((await alice.note.list.query({ sessionId })).items).toEqual([note]);
    } finally {
      await proxy.close();
    }
  });

  it('does not repeat a checkpoint without an index, which would store its parts twice', async () => {
    const proxy = await startLossyProxy(server.url);
    try {
      const client = fastClient({ url: proxy.url, token: aliceToken });
      const { id } = await client.message.start.mutate({ conversationId: crypto.randomUUID() });
      proxy.loseResponseTo('message.appendParts');
      const failure = await failureOf(client.message.appendParts.mutate({ id, parts: [text('once')] }));
      expect(failure.cause).toBeInstanceOf(TypeError);
      expect(proxy.calls).toEqual(['message.start', 'message.appendParts']);
      expect((await alice.message.get.query({ id })).parts).toEqual([text('once')]);
    } finally {
      await proxy.close();
    }
  });

  it('rides out a gateway error page and a dropped connection, then writes once', async () => {
    const failures = [
      () => new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
      () => {
        throw new TypeError('fetch failed');
      },
    ];
    let attempts = 0;
    const flakyFetch: typeof fetch = async (input, init) => {
      attempts += 1;
      return failures.shift()?.() ?? fetch(input, init);
    };
    const client = fastClient({ url: server.url, token: aliceToken, fetch: flakyFetch });
    const conversationId = crypto.randomUUID();
    const message = await client.message.append.mutate({ conversationId, role: 'user', parts: [text('hi')] });
    expect(attempts).toBe(3);
    expect(await historyOf(conversationId)).toEqual([message]);
  });

  it('retries SERVICE_UNAVAILABLE from a server whose database is down, then reports it', async () => {
    const orm = await initOrm({ clientUrl: 'postgres://postgres:x@127.0.0.1:1/none', connectTimeoutMs: 1000 });
    const down = await buildApp({ orm });
    const url = await down.listen({ host: '127.0.0.1', port: 0 });
    try {
      const recorder = recordingFetch();
      const client = fastClient({ url, token: aliceToken, fetch: recorder.fetch, retry: { attempts: 3 } });
      expect(await codeOf(client.conversation.list.query())).toBe('SERVICE_UNAVAILABLE');
      expect(recorder.requests).toHaveLength(3);
    } finally {
      await down.close();
      await orm.close(true);
    }
  });

  it('gives up after the configured attempts when nothing listens', async () => {
    const recorder = recordingFetch();
    const client = fastClient({ url: 'http://127.0.0.1:1', token: aliceToken, fetch: recorder.fetch });
    const failure = await failureOf(client.conversation.list.query());
    expect(failure.cause).toBeInstanceOf(TypeError);
    expect(recorder.requests).toHaveLength(5);
  });

  it('surfaces caller errors at once, with their code', async () => {
    const recorder = recordingFetch();
    const client = fastClient({ url: server.url, token: aliceToken, fetch: recorder.fetch });
    const { id } = await client.message.append.mutate({
      conversationId: crypto.randomUUID(),
      role: 'user',
      parts: [text('taken')],
    });
    const outsider = fastClient({ url: server.url, token: 'tsk_not-a-token', fetch: recorder.fetch });
    const calls = {
      BAD_REQUEST: () => client.message.list.query({ conversationId: 'not a uuid or client id' }),
      NOT_FOUND: () => client.message.get.query({ id: crypto.randomUUID() }),
      CONFLICT: () =>
        client.message.append.mutate({ id, conversationId: crypto.randomUUID(), role: 'user', parts: [] }),
      FORBIDDEN: () => client.conversation.list.query({ userId: 'bob' }),
      UNAUTHORIZED: () => outsider.conversation.list.query(),
    };
    for (const [code, call] of Object.entries(calls)) {
      const before = recorder.requests.length;
      expect(await codeOf(call())).toBe(code);
      expect(recorder.requests.length - before).toBe(1);
    }
    const invalid = await failureOf(calls.BAD_REQUEST());
    expect(invalid.message).toContain('conversationId');
  });

  it('waits longer after each failure, within the bounds, with jitter', () => {
    const settings = { baseDelayMs: 200, maxDelayMs: 5000 };
    for (const [attempt, ceiling] of [
      [1, 200],
      [2, 400],
      [5, 3200],
      [6, 5000],
      [20, 5000],
    ] as const) {
      const delays = Array.from({ length: 50 }, () => backoffDelay(attempt, settings));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(ceiling);
      expect(new Set(delays).size).toBeGreaterThan(1);
    }
  });
});
