// Fuzzing every procedure over HTTP with fast-check: hostile input is a 4xx in threadstore's words, and leaves the
// database as it was.
import { appRouter } from '@threadstore/api';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { type ServerProcess, startServerProcess } from './server-process.ts';

let db: TestDatabase;
let server: ServerProcess;
let base: string;
let token: string;
let startRss: number;
const session = crypto.randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startServerProcess(db.url, { RATE_LIMIT_PER_MINUTE: '0' });
  ({ base, token } = server);
  startRss = server.peakRss();
});
afterAll(async () => {
  await server?.stop();
  await db.drop();
});

const procedures = Object.entries(
  (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures,
).map(([path, procedure]) => ({ path, type: procedure._def.type }));

/** Everything the tables hold, as one hash: compared around every refused call. */
async function fingerprint(): Promise<string> {
  const [row] = await db.orm.em.fork().execute<{ hash: string }[]>(
    `select md5(concat_ws('|',
       (select string_agg(t::text, ',' order by t.id) from conversations t),
       (select string_agg(t::text, ',' order by t.id) from messages t),
       (select string_agg(t::text, ',' order by t.id) from contexts t),
       (select string_agg(t::text, ',' order by t.id) from notes t))) as hash`,
  );
  return row?.hash ?? '';
}

const FIELDS = [
  'id',
  'conversationId',
  'sessionId',
  'action',
  'name',
  'context',
  'contextData',
  'metadata',
  'parts',
  'path',
  'value',
  'cursor',
  'limit',
  'q',
  'timeZone',
  'from',
  'to',
  'role',
  'title',
  'tags',
  'tag',
  'selections',
  'direction',
  'hours',
  'userId',
  'status',
  'index',
  'expectedVersion',
  'selectStatus',
  'content',
  'user',
  'assistant',
  'attachments',
  'errorText',
  'pinned',
  'archived',
  'trashed',
  'tool',
];

const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    "'; drop table messages; --",
    '" or 1=1 --',
    '$1',
    '?',
    '\\',
    '%00',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style probe, meant literally
    '${jndi:ldap://x}',
    'Europe/Berlin\u0000',
    "UTC'; select pg_sleep(10); --",
    '+05:00',
    'EST5EDT,M3.2.0,M11.1.0',
    '../../etc/passwd',
    '{"a":1}',
    '00000000-0000-0000-0000-00000000000G',
    'AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA',
    session,
    'x'.repeat(100_000),
    '汽'.repeat(30_000),
  ),
  // Cursors: base64url JSON of plausible and implausible keysets.
  fc.jsonValue({ maxDepth: 3 }).map(base64),
  fc.tuple(fc.boolean(), fc.string(), fc.string()).map(base64),
  fc.tuple(fc.string(), fc.uuid()).map(base64),
  fc.tuple(fc.integer(), fc.string()).map(base64),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.anything({ maxDepth: 3 }),
    fc.double(),
    fc.bigInt().map(String),
    fc.constantFrom(null, true, false, 0, -1, 2 ** 53, 1e308, -0, [], {}),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), hostileString), tie('value'), { maxKeys: 4 }),
    fc.constant([{ type: 'text', text: 'hello' }]),
    fc.record({ type: fc.oneof(fc.constantFrom('text', 'tool-x', 'dynamic-tool', 'file', 'data-x'), hostileString) }),
  ),
})).value;
/** An input shaped like a real one (known field names) with hostile values; sometimes not an object at all. */
const hostileInput = fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 8 }), hostileValue);
/** Raw bodies: JSON nested deeper than any limit, and text that is not JSON. */
const rawBody = fc.oneof(
  fc.integer({ min: 65, max: 20_000 }).map((depth) => `{"contextData":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.integer({ min: 65, max: 20_000 }).map((depth) => `{"metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
  fc.string(),
  fc.constantFrom('{"a": 1e}', '{"a":', '\u0000', '{"a":"\\ud800"}', '{"a":"\\u0000"}', 'null', '[]', '1'),
);

const INTERNAL_WORDS =
  /postgres|sqlstate|syntax|relation|column|violates|unicode escape|invalid input syntax|call stack|position \d|TypeError|RangeError|ReferenceError|undefined is not|Cannot read|kysely|mikro|DriverException|\bat .*\.(ts|js):\d+/i;

let calls = 0;
const statuses = new Map<number, number>();

async function call(path: string, type: string, body: string): Promise<{ status: number; message: string }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const response =
    type === 'query'
      ? await fetch(`${base}/trpc/${path}?input=${encodeURIComponent(body)}`, { headers })
      : await fetch(`${base}/trpc/${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  calls += 1;
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  let message = '';
  try {
    message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '';
  } catch {
    message = text.slice(0, 200);
  }
  return { status: response.status, message };
}

async function check(path: string, type: string, body: string): Promise<void> {
  const before = await fingerprint();
  const { status, message } = await call(path, type, body);
  expect(status, `${path} ${body.slice(0, 300)}: ${message}`).toBeLessThan(500);
  expect(message, `${path} ${body.slice(0, 300)}`).not.toMatch(INTERNAL_WORDS);
  if (status >= 400) expect(await fingerprint(), `${path} refused but changed the database`).toBe(before);
}

it('never answers 5xx or internal text, and refused calls change nothing', async () => {
  onTestFailed(() => console.error(`the server's last output:\n${server.output()}`));
  // Something to damage: a conversation with messages, a context and a note.
  const seed = async (path: string, input: unknown) =>
    expect((await call(path, 'mutation', JSON.stringify(input))).status).toBe(200);
  await seed('message.append', { conversationId: session, role: 'user', parts: [{ type: 'text', text: 'seed' }] });
  await seed('context.save', { sessionId: session, action: 'plan', contextData: { step: 1 } });
  await seed('note.create', { sessionId: session, action: 'plan', name: 'todo', context: 'x' });

  const procedure = fc.constantFrom(...procedures);
  await fc.assert(
    fc.asyncProperty(procedure, hostileInput, async ({ path, type }, input) => {
      const body = JSON.stringify(input) ?? 'null';
      await check(path, type, body);
    }),
    { numRuns: 2500 },
  );
  const phases = [`typed ${server.peakRss() >> 20} MB`];
  await fc.assert(
    fc.asyncProperty(procedure, rawBody, async ({ path, type }, body) => {
      await check(path, type, body);
    }),
    { numRuns: 300 },
  );
  phases.push(`raw ${server.peakRss() >> 20} MB`);
  // Huge bodies, at and past the body limit.
  for (const size of [3.5 * 1024 * 1024, 5 * 1024 * 1024]) {
    await check(
      'context.save',
      'mutation',
      JSON.stringify({ sessionId: session, action: 'big', contextData: { x: 'y'.repeat(size) } }),
    );
  }

  phases.push(`huge bodies ${server.peakRss() >> 20} MB`);
  // The hostile mix that took the server past 2 GB: big metadata on a conversation, then batches of lists.
  const metadata = { blob: 'm'.repeat(250 * 1024) };
  for (let index = 0; index < 20; index += 1) {
    await call('conversation.create', 'mutation', JSON.stringify({ title: `big ${index}`, metadata }));
  }
  const lists = Array(32).fill('conversation.list').join(',');
  const inputs = encodeURIComponent(
    JSON.stringify(Object.fromEntries(Array.from({ length: 32 }, (_, i) => [i, { limit: 100 }]))),
  );
  let largestBatch = 0;
  for (let round = 0; round < 10; round += 1) {
    const response = await fetch(`${base}/trpc/${lists}?batch=1&input=${inputs}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    largestBatch = Math.max(largestBatch, (await response.arrayBuffer()).byteLength);
  }
  const peakRss = server.peakRss();
  console.log(
    `fuzz: ${calls} calls over ${procedures.length} procedures; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
      `largest 32-list batch ${(largestBatch / 1024).toFixed(0)} kB; server RSS at start ${startRss >> 20} MB, peak (after ${phases.join(', ')}) ` +
      `${(peakRss / 1024 / 1024).toFixed(0)} MB`,
  );
  expect(largestBatch).toBeLessThan(32 * 100 * 8 * 1024);
  // What hostile input may add to the server's memory, whatever the runtime's own footprint (its baseline is in
  // the figures above).
  expect(peakRss - startRss).toBeLessThan(200 * 1024 * 1024);
}, 600_000);
