import { Migration } from '@mikro-orm/migrations';
import type { MessagePart } from '../../schemas/message.ts';
import { messageSearchDocument, titleSearchDocument } from '../../search/tokenizer.ts';

const BATCH = 1000;

/**
 * Search documents for conversations (the title) and messages (text, tools, sources, then the title), with
 * their GIN indexes. The documents are made by the TypeScript tokenizer that also makes every query, so
 * existing rows are backfilled here in batches rather than by SQL.
 */
export class Migration20261122170000 extends Migration {
  override name = 'Migration20261122170000';

  override async up(): Promise<void> {
    await this.execute(`alter table "conversations" add column "search" tsvector not null default ''::tsvector;`);
    await this.execute(`alter table "messages" add column "search" tsvector not null default ''::tsvector;`);

    // A backfill is not an edit: updated_at stays as it was.
    await this.execute(`alter table "conversations" disable trigger "update_conversations_updated_at";`);
    await this.execute(`alter table "messages" disable trigger "update_messages_updated_at";`);
    for (let after = 0; ; ) {
      const rows = (await this.execute(
        'select id, title from conversations where id > ? and title is not null order by id limit ?',
        [after, BATCH],
      )) as { id: string | number; title: string }[];
      if (rows.length === 0) break;
      const docs = rows.map((row) => ({ id: row.id, doc: titleSearchDocument(row.title) }));
      await this.execute(
        `update conversations c set search = d.doc::tsvector
           from jsonb_to_recordset(?::jsonb) as d(id bigint, doc text) where c.id = d.id`,
        [JSON.stringify(docs)],
      );
      after = Number(rows.at(-1)?.id);
    }
    for (let after = 0; ; ) {
      const rows = (await this.execute('select id, content, parts from messages where id > ? order by id limit ?', [
        after,
        BATCH,
      ])) as { id: string | number; content: string | null; parts: MessagePart[] }[];
      if (rows.length === 0) break;
      const docs = rows.map((row) => ({ id: row.id, doc: messageSearchDocument(row) }));
      await this.execute(
        `update messages m set search = d.doc::tsvector || c.search
           from jsonb_to_recordset(?::jsonb) as d(id bigint, doc text), conversations c
          where m.id = d.id and c.uuid = m.conversation_uuid`,
        [JSON.stringify(docs)],
      );
      after = Number(rows.at(-1)?.id);
    }
    await this.execute(`alter table "conversations" enable trigger "update_conversations_updated_at";`);
    await this.execute(`alter table "messages" enable trigger "update_messages_updated_at";`);

    await this.execute(`create index "idx_conversations_search" on "conversations" using gin ("search");`);
    await this.execute(`create index "idx_messages_search" on "messages" using gin ("search");`);
  }

  override down(): void {
    this.addSql(`drop index if exists "idx_messages_search";`);
    this.addSql(`drop index if exists "idx_conversations_search";`);
    this.addSql(`alter table "messages" drop column if exists "search";`);
    this.addSql(`alter table "conversations" drop column if exists "search";`);
  }
}
