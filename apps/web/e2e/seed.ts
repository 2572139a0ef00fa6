// Bulk fixtures for the end-to-end tests and the web benchmark: rows written straight into PostgreSQL in large
// INSERT … SELECT FROM jsonb_to_recordset statements, with the same search documents the API would store.
import type { MikroORM } from '@mikro-orm/postgresql';
import { type MessagePart, messageSearchDocument, titleSearchDocument } from '@threadstore/shared';

const BATCH = 2000;
const DAY = 24 * 3600 * 1000;

/** A deterministic PRNG (mulberry32): the same fixture on every run. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHINESE = [
  '我们讨论了数据库迁移的方案',
  '新能源汽车的电池续航怎么样',
  '请帮我总结一下这份会议纪要',
  '服务器在凌晨出现了超时错误',
  '这个函数的时间复杂度是多少',
  '明天北京的天气适合户外跑步吗',
  '把这段代码改写成异步的版本',
  '用户反馈说页面加载太慢了',
];
const ENGLISH = [
  'The deployment finished without errors after the retry.',
  'Can you explain how the connection pool is configured?',
  'Here is a summary of the quarterly planning notes.',
  'The migration script needs a dry run before Friday.',
  'Latency went up when the cache was cold this morning.',
  'Please draft a short reply to the customer about the refund.',
];

export interface SeedOptions {
  userId: string;
  /** Short conversations spread over two years (Today … months back), besides the long one. */
  conversations: number;
  /** Messages of the one long conversation. */
  longMessages: number;
  /** Messages in each short conversation. */
  messagesPerConversation?: number;
  now?: Date;
}

export interface SeededHistory {
  longId: string;
  /** The long conversation's message ids, oldest first. */
  longMessageIds: string[];
  /** Index in the long conversation of the message holding NEEDLE_ZH and NEEDLE_EN, thousands back. */
  needleIndex: number;
  /** The conversation whose title (not any message) holds TITLE_ONLY_WORD. */
  titledId: string;
  /** The message of the long conversation that is still streaming (the newest). */
  streamingId: string;
  pinnedIds: string[];
  archivedIds: string[];
  trashedIds: string[];
  total: { conversations: number; messages: number };
}

export const NEEDLE_ZH = '量子纠缠实验记录';
export const NEEDLE_EN = 'flamingo';
export const TITLE_ONLY_WORD = 'zeppelin';
export const LONG_TITLE = '长对话 Long thread 性能测试';

/** One message of every part type, as the AI SDK 7 and the first seed write them. */
export function everyPartType(): { role: 'assistant' | 'user'; parts: MessagePart[] }[] {
  const png =
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAGUlEQVR4nGNgYGD4z0ABYBo1YNQAhoEJRgAX7wEfH5F3SQAAAABJRU5ErkJggg==';
  return [
    {
      role: 'user',
      parts: [{ type: 'text', text: '请比较一下 **PostgreSQL** 和 SQLite，并给出一个表格。' }],
    },
    {
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'reasoning', text: 'The user wants a comparison table; keep it short.', state: 'done' },
        {
          type: 'text',
          text: [
            '| 特性 | PostgreSQL | SQLite |',
            '| --- | --- | --- |',
            '| 并发写入 | 支持 | 有限 |',
            '| 部署 | 服务器 | 嵌入式 |',
            '',
            '- 列表项一',
            '- [docs](https://www.postgresql.org/docs/)',
            '',
            '```ts',
            'const pool = new Pool({ max: 10 });',
            'await pool.query("select 1");',
            '```',
          ].join('\n'),
          state: 'done',
        },
        {
          type: 'tool-get_weather',
          toolCallId: 'call-weather',
          state: 'output-available',
          input: { city: '北京', unit: 'celsius' },
          output: { temperature: 21, condition: '晴', wind: { speed: 3, direction: 'NE' } },
        },
        {
          type: 'tool-delete_file',
          toolCallId: 'call-delete',
          state: 'approval-requested',
          input: { path: '/tmp/report.csv' },
          approval: { id: 'approval-1' },
        },
        {
          type: 'dynamic-tool',
          toolName: 'run_sql',
          toolCallId: 'call-sql',
          state: 'output-error',
          input: { sql: 'select * from missing' },
          errorText: 'relation "missing" does not exist',
        },
        { type: 'source-url', sourceId: 's1', url: 'https://example.com/benchmarks', title: 'Benchmarks' },
        {
          type: 'source-document',
          sourceId: 's2',
          mediaType: 'application/pdf',
          title: '白皮书',
          filename: 'paper.pdf',
        },
        { type: 'file', mediaType: 'image/png', url: png, filename: 'chart.png' },
        { type: 'file', mediaType: 'text/csv', url: 'https://example.com/data.csv', filename: 'data.csv' },
        { type: 'data-weather', id: 'w1', data: { city: '上海', forecast: [20, 22, 19] } },
        { type: 'custom', kind: 'provider-note', note: 'kept as it is' },
        { type: 'future-part', payload: { anything: true } },
      ],
    },
    {
      role: 'assistant',
      parts: [
        {
          type: 'tool-result',
          toolCallId: 'legacy-1',
          toolName: 'lookup',
          output: { rows: 3 },
        } as MessagePart,
      ],
    },
  ];
}

interface ConversationRecord {
  uuid: string;
  title: string;
  pinned: boolean;
  archived_at: string | null;
  deleted_at: string | null;
  created_at: string;
  last_message_at: string;
  message_count: number;
  search: string;
}
interface MessageRecord {
  uuid: string;
  conversation_uuid: string;
  role: string;
  content: string;
  parts: MessagePart[];
  status: string;
  seq: number;
  created_at: string;
  search: string;
}

const contentOf = (parts: readonly MessagePart[]) =>
  parts.flatMap((part) => (part.type === 'text' ? [(part as { text: string }).text] : [])).join('\n');

export async function seedHistory(orm: MikroORM, options: SeedOptions): Promise<SeededHistory> {
  const rand = random(42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const now = (options.now ?? new Date()).getTime();
  const perConversation = options.messagesPerConversation ?? 2;
  const conversations: ConversationRecord[] = [];
  const messages: MessageRecord[] = [];
  const sql = (text: string, params: unknown[]) => orm.em.fork().execute(text, params, 'run');

  const message = (
    conversation: ConversationRecord,
    seq: number,
    at: number,
    role: string,
    parts: MessagePart[],
    status = 'complete',
  ): MessageRecord => {
    const content = contentOf(parts);
    return {
      uuid: crypto.randomUUID(),
      conversation_uuid: conversation.uuid,
      role,
      content,
      parts,
      status,
      seq,
      created_at: new Date(at).toISOString(),
      search: messageSearchDocument({ content, parts }),
    };
  };
  const conversation = (title: string, lastAt: number, count: number, extra: Partial<ConversationRecord> = {}) => {
    const record: ConversationRecord = {
      uuid: crypto.randomUUID(),
      title,
      pinned: false,
      archived_at: null,
      deleted_at: null,
      created_at: new Date(lastAt - count * 60_000).toISOString(),
      last_message_at: new Date(lastAt).toISOString(),
      message_count: count,
      search: titleSearchDocument(title),
      ...extra,
    };
    conversations.push(record);
    return record;
  };

  // The long conversation: active a minute ago, its messages a minute apart going back a week.
  const longAt = now - 60_000;
  const long = conversation(LONG_TITLE, longAt, options.longMessages);
  const special = everyPartType();
  const needleIndex = Math.min(150, Math.floor(options.longMessages / 3));
  const longMessageIds: string[] = [];
  for (let index = 0; index < options.longMessages; index++) {
    const at = longAt - (options.longMessages - 1 - index) * 60_000;
    const fromEnd = options.longMessages - 1 - index;
    let record: MessageRecord;
    if (fromEnd === 0) {
      record = message(
        long,
        index + 1,
        at,
        'assistant',
        [{ type: 'text', text: '正在生成回答', state: 'streaming' }],
        'streaming',
      );
    } else if (fromEnd <= special.length) {
      const item = special[special.length - fromEnd] as (typeof special)[number];
      record = message(long, index + 1, at, item.role, item.parts);
    } else if (index === needleIndex) {
      record = message(long, index + 1, at, 'user', [
        { type: 'text', text: `第 ${index} 条：${NEEDLE_ZH}，and a ${NEEDLE_EN} appeared in the logs.` },
      ]);
    } else {
      const role = index % 2 === 0 ? 'user' : 'assistant';
      const text =
        index % 3 === 0
          ? `第 ${index} 条消息：${pick(CHINESE)}。${pick(CHINESE)}。`
          : `Message ${index}: ${pick(ENGLISH)} ${index % 5 === 0 ? pick(ENGLISH) : ''}`;
      record = message(long, index + 1, at, role, [{ type: 'text', text }]);
    }
    messages.push(record);
    longMessageIds.push(record.uuid);
  }
  const streamingId = longMessageIds.at(-1) as string;

  // Short conversations over two years, denser near today so every group of the sidebar fills.
  const pinnedIds: string[] = [];
  const archivedIds: string[] = [];
  const trashedIds: string[] = [];
  let titledId = '';
  for (let index = 0; index < options.conversations; index++) {
    const offsets = [0.2, 0.8, 1.2, 3, 5, 12, 25];
    const daysBack = index < offsets.length * 20 ? (offsets[index % offsets.length] as number) : 30 + rand() * 700;
    const lastAt = now - daysBack * DAY - index * 1000;
    const zh = index % 2 === 0;
    const title =
      index === 7
        ? `The ${TITLE_ONLY_WORD} project 飞艇项目`
        : zh
          ? `${pick(CHINESE).slice(0, 10)} #${index}`
          : `${pick(ENGLISH).split(' ').slice(0, 5).join(' ')} #${index}`;
    const archived = index % 97 === 5;
    const record = conversation(title, lastAt, perConversation, {
      pinned: index % 400 === 3,
      archived_at: archived ? new Date(lastAt).toISOString() : null,
      deleted_at: index % 89 === 6 && !archived ? new Date(lastAt).toISOString() : null,
    });
    if (index === 7) titledId = record.uuid;
    if (record.pinned) pinnedIds.push(record.uuid);
    if (record.archived_at) archivedIds.push(record.uuid);
    if (record.deleted_at) trashedIds.push(record.uuid);
    for (let seq = 1; seq <= perConversation; seq++) {
      const at = lastAt - (perConversation - seq) * 30_000;
      const role = seq % 2 === 1 ? 'user' : 'assistant';
      messages.push(message(record, seq, at, role, [{ type: 'text', text: zh ? pick(CHINESE) : pick(ENGLISH) }]));
    }
  }

  for (let start = 0; start < conversations.length; start += BATCH) {
    await sql(
      `insert into conversations (uuid, user_id, title, pinned, archived_at, deleted_at, created_at, updated_at,
                                  last_message_at, message_count, message_seq, search)
       select r.uuid, ?, r.title, r.pinned, r.archived_at, r.deleted_at, r.created_at, r.last_message_at,
              r.last_message_at, r.message_count, r.message_count, r.search::tsvector
         from jsonb_to_recordset(?::jsonb) as r(uuid uuid, title text, pinned boolean, archived_at timestamptz,
              deleted_at timestamptz, created_at timestamptz, last_message_at timestamptz, message_count int, search text)`,
      [options.userId, JSON.stringify(conversations.slice(start, start + BATCH))],
    );
  }
  for (let start = 0; start < messages.length; start += BATCH) {
    await sql(
      `insert into messages (uuid, conversation_uuid, role, content, parts, status, seq, created_at, updated_at, search)
       select r.uuid, r.conversation_uuid, r.role, r.content, r.parts, r.status, r.seq, r.created_at, r.created_at,
              r.search::tsvector
         from jsonb_to_recordset(?::jsonb) as r(uuid uuid, conversation_uuid uuid, role text, content text,
              parts jsonb, status text, seq bigint, created_at timestamptz, search text)`,
      [JSON.stringify(messages.slice(start, start + BATCH))],
    );
  }
  await sql('analyze conversations', []);
  await sql('analyze messages', []);
  return {
    longId: long.uuid,
    longMessageIds,
    needleIndex,
    titledId,
    streamingId,
    pinnedIds,
    archivedIds,
    trashedIds,
    total: { conversations: conversations.length, messages: messages.length },
  };
}
