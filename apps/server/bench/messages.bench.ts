// `pnpm bench`: appendRound and message.list latency on a 10,000-message conversation, over real HTTP.
import { createToken } from '@threadstore/api';
import { buildApp } from '../src/app.ts';
import { ms, openBenchDatabase, type Timing, time } from './harness.ts';

const HISTORY = 10_000;
const RUNS = 300;

const database = await openBenchDatabase('messages');
const app = await buildApp({ orm: database.orm });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const { token } = await createToken(database.orm.em.fork(), { kind: 'user', userId: 'bench' });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function call(procedure: string, input: unknown, method: 'GET' | 'POST'): Promise<unknown> {
  const url =
    method === 'GET'
      ? `${base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`
      : `${base}/trpc/${procedure}`;
  const response = await fetch(url, { method, headers, body: method === 'POST' ? JSON.stringify(input) : undefined });
  if (!response.ok) throw new Error(`${procedure}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { result: { data: unknown } }).result.data;
}

const round = (conversationId: string, index: number) => ({
  conversationId,
  user: { parts: [{ type: 'text', text: `问题 ${index}: how do I keep a conversation history in PostgreSQL?` }] },
  assistant: {
    parts: [
      {
        type: 'tool-search',
        toolCallId: `call-${index}`,
        state: 'output-available',
        input: { q: `history ${index}` },
        output: { hits: 3 },
      },
      { type: 'text', text: `回答 ${index}: keep every message with a strict order and page it with a keyset cursor.` },
    ],
  },
});

const conversationId = crypto.randomUUID();
const fillStarted = performance.now();
for (let index = 0; index < HISTORY / 2; index += 1)
  await call('message.appendRound', round(conversationId, index), 'POST');
const fillSeconds = (performance.now() - fillStarted) / 1000;

const results: [string, Timing][] = [];
results.push([
  'message.appendRound (2 messages, 10k history)',
  await time(RUNS, (index) => call('message.appendRound', round(conversationId, HISTORY + index), 'POST')),
]);
results.push([
  'message.list newest 50 (direction older)',
  await time(RUNS, () => call('message.list', { conversationId, direction: 'older', limit: 50 }, 'GET')),
]);
results.push([
  'message.list first 50 (direction newer)',
  await time(RUNS, () => call('message.list', { conversationId, limit: 50 }, 'GET')),
]);
const middle = (await call('message.list', { conversationId, limit: 100 }, 'GET')) as { nextCursor: string };
let cursor = middle.nextCursor;
for (let page = 0; page < 49; page += 1)
  cursor = ((await call('message.list', { conversationId, limit: 100, cursor }, 'GET')) as { nextCursor: string })
    .nextCursor;
results.push([
  'message.list 100 from the middle (cursor)',
  await time(RUNS, () => call('message.list', { conversationId, limit: 100, cursor }, 'GET')),
]);

console.log(
  `\nfilled ${HISTORY} messages through appendRound over HTTP in ${fillSeconds.toFixed(1)} s (${(HISTORY / 2 / fillSeconds).toFixed(0)} rounds/s, one writer)\n`,
);
console.log('| operation | p50 | p95 | p99 | mean |');
console.log('|---|---|---|---|---|');
for (const [name, timing] of results)
  console.log(`| ${name} | ${ms(timing.p50)} | ${ms(timing.p95)} | ${ms(timing.p99)} | ${ms(timing.mean)} |`);

await app.close();
await database.close();
