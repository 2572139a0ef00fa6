import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  // An empty database: this file runs the migrations itself, as `mikro-orm migration:up` does.
  db = await createTestDatabase({ fromTemplate: false });
});
afterAll(() => db.drop());

const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  db.orm.em.fork().execute<T[]>(text, params, 'all');

describe('migrations', () => {
  it('apply to an empty database, are a no-op when applied, and roll back', async () => {
    const first = await db.orm.migrator.up();
    expect(first.length).toBeGreaterThan(0);
    expect(await db.orm.migrator.up()).toEqual([]);
    expect(await db.orm.migrator.checkSchema()).toBe(false);

    await db.orm.migrator.down({ to: 0 });
    const tables = await sql<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations'`,
    );
    expect(tables).toEqual([]);

    await db.orm.migrator.up();
    expect(await db.orm.migrator.checkSchema()).toBe(false);
  });
});

describe('schema', () => {
  beforeAll(async () => {
    await db.orm.migrator.up();
  });

  const seedColumns: Record<string, Record<string, string>> = {
    conversations: {
      id: 'bigint',
      uuid: 'uuid',
      title: 'character varying',
      user_id: 'character varying',
      created_at: 'timestamp with time zone',
      updated_at: 'timestamp with time zone',
      metadata: 'jsonb',
      pinned: 'boolean',
      archived_at: 'timestamp with time zone',
      deleted_at: 'timestamp with time zone',
      tags: 'ARRAY',
      version: 'integer',
      last_message_at: 'timestamp with time zone',
      message_count: 'integer',
      client_id: 'character varying',
    },
    messages: {
      id: 'bigint',
      uuid: 'uuid',
      conversation_uuid: 'uuid',
      role: 'character varying',
      content: 'text',
      parts: 'jsonb',
      attachments: 'jsonb',
      created_at: 'timestamp with time zone',
      metadata: 'jsonb',
      status: 'character varying',
      client_id: 'character varying',
    },
    contexts: {
      id: 'uuid',
      user_id: 'text',
      session_id: 'uuid',
      action: 'text',
      context_data: 'jsonb',
      metadata: 'jsonb',
      created_at: 'timestamp with time zone',
      updated_at: 'timestamp with time zone',
      version: 'integer',
    },
    notes: {
      id: 'uuid',
      user_id: 'text',
      session_id: 'uuid',
      action: 'text',
      name: 'text',
      context: 'text',
      select_status: 'integer',
      metadata: 'jsonb',
      created_at: 'timestamp with time zone',
      updated_at: 'timestamp with time zone',
      version: 'integer',
    },
    api_tokens: {
      id: 'uuid',
      token_hash: 'character varying',
      kind: 'character varying',
      user_id: 'character varying',
      created_at: 'timestamp with time zone',
      last_used_at: 'timestamp with time zone',
      revoked_at: 'timestamp with time zone',
    },
  };

  it.each(Object.entries(seedColumns))('%s has every column of the seeds and the spec', async (table, columns) => {
    const rows = await sql<{ column_name: string; data_type: string }>(
      'select column_name, data_type from information_schema.columns where table_name = ?',
      [table],
    );
    const actual = Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]));
    expect(actual).toMatchObject(columns);
  });

  it('has the sizes, defaults and nullability of the seeds', async () => {
    const rows = await sql<{
      table_name: string;
      column_name: string;
      is_nullable: string;
      len: number | null;
      def: string | null;
    }>(
      `select table_name, column_name, is_nullable, character_maximum_length as len, column_default as def
         from information_schema.columns where table_schema = 'public'`,
    );
    const column = (table: string, name: string) =>
      rows.find((row) => row.table_name === table && row.column_name === name);
    expect(column('conversations', 'title')?.len).toBe(500);
    expect(column('conversations', 'user_id')?.len).toBe(255);
    expect(column('conversations', 'uuid')?.def).toContain('gen_random_uuid()');
    expect(column('messages', 'role')?.len).toBe(50);
    expect(column('messages', 'parts')?.is_nullable).toBe('NO');
    expect(column('messages', 'created_at')?.def).toContain('now()');
    expect(column('notes', 'select_status')?.def).toBe('0');
    expect(column('contexts', 'metadata')?.def).toContain("'{}'");
    expect(column('contexts', 'context_data')?.is_nullable).toBe('NO');
  });

  it('has every index of the seeds, including the GIN index on parts and the composite history index', async () => {
    const rows = await sql<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where schemaname = 'public'`,
    );
    const defs = Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef]));
    const expected: Record<string, RegExp> = {
      idx_conversations_uuid: /UNIQUE INDEX .* \(uuid\)/,
      idx_conversations_user_id: /\(user_id\)/,
      idx_conversations_updated_at: /\(updated_at DESC\)/,
      idx_messages_uuid: /UNIQUE INDEX .* \(uuid\)/,
      idx_messages_conversation_uuid: /\(conversation_uuid\)/,
      idx_messages_created_at: /\(created_at\)/,
      idx_messages_role: /\(role\)/,
      idx_messages_conv_uuid_time: /\(conversation_uuid, created_at DESC\)/,
      idx_messages_parts_gin: /USING gin \(parts\)/,
      idx_contexts_user_session: /\(user_id, session_id\)/,
      idx_contexts_action: /\(action\)/,
      idx_contexts_updated_at: /\(updated_at\)/,
      contexts_unique_user_session_action: /UNIQUE INDEX .* \(user_id, session_id, action\)/,
      idx_notes_user_session: /\(user_id, session_id\)/,
      idx_notes_action: /\(action\)/,
      idx_notes_name: /\(name\)/,
      idx_notes_select_status: /\(select_status\)/,
      notes_unique_user_session_name: /UNIQUE INDEX .* \(user_id, session_id, name\)/,
      uq_messages_conversation_seq: /UNIQUE INDEX .* \(conversation_uuid, seq\)/,
      idx_api_tokens_token_hash: /UNIQUE INDEX .* \(token_hash\)/,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      expect(defs[name], name).toMatch(pattern);
    }
  });

  it('keeps updated_at current on every update, and purging a conversation cascades', async () => {
    const em = db.orm.em.fork();
    const [conversation] = await em.execute<{ uuid: string }[]>(
      `insert into conversations (user_id, created_at, updated_at) values ('u1', now() - interval '1 day', now() - interval '1 day') returning uuid`,
    );
    const session = conversation?.uuid;
    await em.execute(`insert into messages (conversation_uuid, role, parts, seq) values (?, 'user', '[]', 1)`, [
      session,
    ]);
    await em.execute(
      `insert into contexts (user_id, session_id, action, context_data, updated_at) values ('u1', ?, 'tactics', '{}', now() - interval '1 day')`,
      [session],
    );
    await em.execute(
      `insert into notes (user_id, session_id, action, name, context) values ('u1', ?, 'a', 'n1', 'text')`,
      [session],
    );

    await em.execute(`update contexts set context_data = '{"a": 1}' where session_id = ?`, [session]);
    await em.execute(`update conversations set title = 'renamed' where uuid = ?`, [session]);
    const [fresh] = await em.execute<{ context_age: number; conversation_age: number }[]>(
      `select extract(epoch from now() - (select updated_at from contexts where session_id = ?)) as context_age,
              extract(epoch from now() - (select updated_at from conversations where uuid = ?)) as conversation_age`,
      [session, session],
    );
    expect(Number(fresh?.context_age)).toBeLessThan(60);
    expect(Number(fresh?.conversation_age)).toBeLessThan(60);

    await em.execute('delete from conversations where uuid = ?', [session]);
    const [left] = await em.execute<{ n: string }[]>(
      `select (select count(*) from messages where conversation_uuid = ?) + (select count(*) from contexts where session_id = ?)
            + (select count(*) from notes where session_id = ?) as n`,
      [session, session, session],
    );
    expect(Number(left?.n)).toBe(0);
  });

  it('enforces the unique constraints of the seeds and the checks of the spec', async () => {
    const em = db.orm.em.fork();
    const [conversation] = await em.execute<{ uuid: string }[]>(
      `insert into conversations (user_id) values ('u2') returning uuid`,
    );
    const session = conversation?.uuid;
    await em.execute(`insert into contexts (user_id, session_id, action, context_data) values ('u2', ?, 'a', '{}')`, [
      session,
    ]);
    await expect(
      em.execute(`insert into contexts (user_id, session_id, action, context_data) values ('u2', ?, 'a', '{}')`, [
        session,
      ]),
    ).rejects.toThrow(/contexts_unique_user_session_action/);
    await em.execute(`insert into notes (user_id, session_id, action, name, context) values ('u2', ?, 'a', 'n', 'x')`, [
      session,
    ]);
    await expect(
      em.execute(`insert into notes (user_id, session_id, action, name, context) values ('u2', ?, 'b', 'n', 'y')`, [
        session,
      ]),
    ).rejects.toThrow(/notes_unique_user_session_name/);
    await expect(
      em.execute(`insert into messages (conversation_uuid, role, parts, seq) values (?, 'robot', '[]', 1)`, [session]),
    ).rejects.toThrow(/messages_role_check/);
    await expect(
      em.execute(`insert into messages (conversation_uuid, role, parts, seq) values (?, 'user', '{}', 1)`, [session]),
    ).rejects.toThrow(/messages_parts_array_check/);
    await expect(
      em.execute(
        `insert into messages (conversation_uuid, role, parts, seq) values (gen_random_uuid(), 'user', '[]', 1)`,
      ),
    ).rejects.toThrow(/messages_conversation_uuid_foreign/);
  });
});
