// Load: 64 concurrent clients over loopback for 60 s with a mix of appends, lists,
// search and setField. Zero errors; throughput, latency per procedure and peak memory go to the output.
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { type ServerProcess, startServerProcess } from './server-process.ts';

let db: TestDatabase;
let server: ServerProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServerProcess(db.url, { RATE_LIMIT_PER_MINUTE: '10000000' });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const WORDS = ['deploy', 'retry', 'budget', '数据库', '搜索', 'invoice', 'kafka', '报告', 'latency', 'schema'];
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

const seconds = 60;

it(`serves 64 clients for ${seconds} s with a mixed workload and no errors`, async () => {
  onTestFailed(() => console.error(`the server's last output:\n${server.output()}`));
  const { base, token } = server;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const latencies = new Map<string, number[]>();
  const errors = new Map<string, number>();
  const send = async (procedure: string, type: 'query' | 'mutation', input: unknown) => {
    const started = performance.now();
    let status = 0;
    try {
      const response =
        type === 'query'
          ? await fetch(`${base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
          : await fetch(`${base}/trpc/${procedure}`, { method: 'POST', headers, body: JSON.stringify(input) });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    const list = latencies.get(procedure) ?? [];
    list.push(performance.now() - started);
    latencies.set(procedure, list);
    if (status !== 200) errors.set(`${procedure} ${status}`, (errors.get(`${procedure} ${status}`) ?? 0) + 1);
  };

  const deadline = Date.now() + seconds * 1000;
  const client = async (index: number) => {
    const conversationId = crypto.randomUUID();
    let n = 0;
    while (Date.now() < deadline) {
      const roll = Math.random();
      if (roll < 0.3 || n === 0) {
        const text = `${pick(WORDS)} ${pick(WORDS)} from client ${index} message ${n}`;
        await send('message.append', 'mutation', {
          conversationId,
          role: n % 2 === 0 ? 'user' : 'assistant',
          parts: [{ type: 'text', text }],
        });
        n += 1;
      } else if (roll < 0.55) {
        await send('message.list', 'query', { conversationId, limit: 30, direction: 'older' });
      } else if (roll < 0.7) {
        await send('conversation.list', 'query', { limit: 30 });
      } else if (roll < 0.85) {
        await send('search.messages', 'query', { q: pick(WORDS), limit: 20 });
      } else {
        await send('context.setField', 'mutation', {
          sessionId: conversationId,
          action: 'state',
          path: ['progress', pick(['a', 'b', 'c'])],
          value: n,
        });
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: 64 }, (_, index) => client(index)));
  const elapsed = (Date.now() - started) / 1000;

  const total = [...latencies.values()].reduce((sum, list) => sum + list.length, 0);
  const lines = [...latencies].map(([procedure, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return `${procedure}: ${list.length} calls, p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms`;
  });
  console.log(
    `load: 64 clients, ${elapsed.toFixed(0)} s, ${total} calls, ${(total / elapsed).toFixed(0)} calls/s, ` +
      `peak server RSS ${(server.peakRss() / 1024 / 1024).toFixed(0)} MB, errors ${JSON.stringify(Object.fromEntries(errors))}\n  ${lines.join('\n  ')}`,
  );
  expect(Object.fromEntries(errors)).toEqual({});
  expect(total).toBeGreaterThan(0);
}, 600_000);
