// Database faults under load: restarts in a row, terminated backends and an outage, against one running server.

import type { MikroORM } from '@mikro-orm/postgresql';
import { createToken } from '@threadstore/api';
import { initOrm } from '@threadstore/shared/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { createLogger } from '../logging.ts';
import { type FaultCluster, startFaultCluster } from './cluster.ts';

let cluster: FaultCluster;
let orm: MikroORM;
let app: Awaited<ReturnType<typeof buildApp>>;
let base: string;
let token: string;
const errors: string[] = [];

beforeAll(async () => {
  cluster = await startFaultCluster();
  orm = await initOrm({ clientUrl: cluster.url, poolMax: 10, connectTimeoutMs: 1000 });
  app = await buildApp({
    orm,
    // One token's 16 writers, as fast as the store answers, pass the default 6,000 calls a minute well within the
    // run (since appends became one statement); this test is about the database going away, not the rate limit.
    limits: { rateLimitPerMinute: 0 },
    logger: createLogger('warn', {
      write(line: string) {
        if (line.includes('"level":50')) errors.push(line);
      },
    }),
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  token = (await createToken(orm.em.fork(), { kind: 'user', userId: 'writer' })).token;
}, 120_000);
afterAll(async () => {
  await app?.close();
  await orm?.close(true);
  await cluster?.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Round {
  conversationId: string;
  userId: string;
  assistantId: string;
  text: string;
}

async function sendRound(round: Round): Promise<number> {
  try {
    const response = await fetch(`${base}/trpc/message.appendRound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        conversationId: round.conversationId,
        user: { id: round.userId, parts: [{ type: 'text', text: `q ${round.text}` }] },
        assistant: { id: round.assistantId, parts: [{ type: 'text', text: `a ${round.text}` }] },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

it('recovers from restarts in a row, terminated backends and an outage: every acknowledged round stored once', async () => {
  const writers = 16;
  const acknowledged: (Round & { writer: number; n: number; at: number })[] = [];
  const failures = new Map<number, number>();
  let slowestFailureMs = 0;
  let stopping = false;
  const conversations = Array.from({ length: writers }, () => crypto.randomUUID());
  const writer = async (index: number) => {
    for (let n = 0; !stopping; n += 1) {
      const round = {
        conversationId: conversations[index] as string,
        userId: crypto.randomUUID(),
        assistantId: crypto.randomUUID(),
        text: `${index}-${n}`,
      };
      // The client's way: the same ids until an answer, so a retry after a lost answer lands once.
      for (;;) {
        const started = Date.now();
        const status = await sendRound(round);
        if (status === 200) {
          acknowledged.push({ ...round, writer: index, n, at: Date.now() });
          break;
        }
        failures.set(status, (failures.get(status) ?? 0) + 1);
        slowestFailureMs = Math.max(slowestFailureMs, Date.now() - started);
        await sleep(50);
      }
    }
  };
  const running = Array.from({ length: writers }, (_, index) => writer(index));
  const recoveries: number[] = [];
  const recovered = async (since: number) => {
    while (!acknowledged.some((round) => round.at > since)) await sleep(10);
    recoveries.push(Date.now() - since);
  };

  await sleep(1000);
  // Three restarts a few seconds apart, then two back to back.
  for (let i = 0; i < 3; i += 1) {
    await cluster.restart();
    await recovered(Date.now());
    await sleep(1500);
  }
  await cluster.restart();
  await cluster.restart();
  await recovered(Date.now());
  await sleep(1000);
  for (let i = 0; i < 3; i += 1) {
    await cluster.terminateBackends();
    await sleep(300);
  }
  await sleep(1000);
  // An outage: calls fail fast and /readyz says so.
  await cluster.stop();
  await sleep(1000);
  const outageStarted = Date.now();
  const readyDuringOutage = await fetch(`${base}/readyz`);
  const readyMs = Date.now() - outageStarted;
  await sleep(4000);
  await cluster.start();
  await recovered(Date.now());
  await sleep(1000);
  stopping = true;
  await Promise.all(running);

  const rows = await orm.em
    .fork()
    .execute<{ id: string; conversationId: string; content: string }[]>(
      'select uuid as id, conversation_uuid as "conversationId", content from messages order by seq',
    );
  const byContent = new Map<string, number>();
  for (const row of rows) byContent.set(row.content, (byContent.get(row.content) ?? 0) + 1);
  const storedIds = new Set(rows.map((row) => row.id));
  const lost = acknowledged.filter((round) => !storedIds.has(round.userId) || !storedIds.has(round.assistantId));
  const duplicated = [...byContent.values()].filter((count) => count > 1).length;
  const pool = (await orm.em.getConnection().getNativeClient()) as unknown as {
    totalCount: number;
    waitingCount: number;
  };
  console.log(
    `faults: ${acknowledged.length} rounds acknowledged, ${rows.length / 2} stored, ${duplicated} duplicated, ` +
      `${lost.length} lost; recovery after each return (ms): ${recoveries.join(', ')}; failed attempts by status: ` +
      `${JSON.stringify(Object.fromEntries(failures))}; slowest failure ${slowestFailureMs} ms; /readyz during the ` +
      `outage ${readyDuringOutage.status} in ${readyMs} ms; pool afterwards ${pool.totalCount} connections, ` +
      `${pool.waitingCount} waiting`,
  );

  // While the database is away every call is a 503, never an internal error.
  expect(errors.slice(0, 3)).toEqual([]);
  expect([...failures.keys()]).toEqual([503]);
  expect(readyDuringOutage.status).toBe(503);
  expect(failures.get(503) ?? 0).toBeGreaterThan(0);
  expect(lost).toEqual([]);
  expect(duplicated).toBe(0);
  // Every round a writer finished is stored whole, in its order, and nothing else.
  expect(rows.length).toBe(acknowledged.length * 2);
  for (const [index, conversationId] of conversations.entries()) {
    const texts = rows.filter((row) => row.conversationId === conversationId).map((row) => row.content);
    const expected = acknowledged
      .filter((round) => round.writer === index)
      .sort((a, b) => a.n - b.n)
      .flatMap((round) => [`q ${round.text}`, `a ${round.text}`]);
    expect(texts).toEqual(expected);
  }
  // The same server, without a restart: ready, and the next calls succeed at once.
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const next = await Promise.all(
    Array.from({ length: 20 }, (_, n) =>
      sendRound({
        conversationId: crypto.randomUUID(),
        userId: crypto.randomUUID(),
        assistantId: crypto.randomUUID(),
        text: `after-${n}`,
      }),
    ),
  );
  expect(next).toEqual(Array(20).fill(200));
  expect(pool.waitingCount).toBe(0);
}, 180_000);
