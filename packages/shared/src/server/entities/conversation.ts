import { defineEntity, p } from '@mikro-orm/core';
import { timestampNow } from './columns.ts';
import { touchUpdatedAt } from './triggers.ts';

export const ConversationSchema = defineEntity({
  name: 'Conversation',
  tableName: 'conversations',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    uuid: p.uuid().unique('idx_conversations_uuid').defaultRaw('gen_random_uuid()'),
    // The external id when the client chose one that is not a uuid (an AI SDK chat id); unique per user.
    clientId: p.string().length(128).nullable(),
    title: p.string().length(500).nullable(),
    userId: p.string().length(255).index('idx_conversations_user_id'),
    createdAt: timestampNow(),
    updatedAt: timestampNow(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    pinned: p.boolean().default(false),
    archivedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
    tags: p.array().columnType('text[]').defaultRaw(`'{}'`),
    version: p.integer().version().default(1),
    lastMessageAt: p.datetime().nullable(),
    messageCount: p.integer().default(0),
    // Highest message position handed out so far; positions are never reused, so keyset cursors survive deletes.
    messageSeq: p.bigint('string').default('0'),
    // sha256 of the create request, so a replay with the same client id can be told apart from a reuse.
    requestHash: p.string().length(64).nullable().hidden(),
    // The title's search document (see search/tokenizer.ts); every message's document ends with a copy of it.
    search: p.string().columnType('tsvector').defaultRaw(`''::tsvector`).lazy().hidden(),
  },
  indexes: [
    {
      name: 'idx_conversations_updated_at',
      expression: 'create index "idx_conversations_updated_at" on "conversations" ("updated_at" desc)',
    },
    {
      name: 'idx_conversations_user_activity',
      expression:
        'create index "idx_conversations_user_activity" on "conversations" ("user_id", "pinned" desc, (coalesce("last_message_at", "created_at")) desc, "uuid" desc)',
    },
    {
      name: 'idx_conversations_tags',
      expression: 'create index "idx_conversations_tags" on "conversations" using gin ("tags")',
    },
    {
      name: 'idx_conversations_search',
      expression: 'create index "idx_conversations_search" on "conversations" using gin ("search")',
    },
  ],
  uniques: [{ name: 'uq_conversations_user_client_id', properties: ['userId', 'clientId'] }],
  checks: [{ name: 'conversations_client_id_check', expression: `client_id ~ '^[A-Za-z0-9_-]{1,128}$'` }],
  triggers: [touchUpdatedAt('update_conversations_updated_at')],
});

export class Conversation extends ConversationSchema.class {}
ConversationSchema.setClass(Conversation);
