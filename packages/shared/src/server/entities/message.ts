import { defineEntity, p } from '@mikro-orm/core';
import type { JsonValue } from '../../schemas/common.ts';
import type { MessagePart, MessageRole, MessageStatus } from '../../schemas/message.ts';
import { timestampNow } from './columns.ts';
import { Conversation } from './conversation.ts';
import { touchUpdatedAt } from './triggers.ts';

export const MessageSchema = defineEntity({
  name: 'Message',
  tableName: 'messages',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    uuid: p.uuid().unique('idx_messages_uuid').defaultRaw('gen_random_uuid()'),
    // The external id when the client chose one that is not a uuid (an AI SDK message id); unique like uuids.
    clientId: p.string().length(128).nullable().unique('uq_messages_client_id'),
    conversation: () =>
      p
        .manyToOne(Conversation)
        .targetKey('uuid')
        .fieldName('conversation_uuid')
        .deleteRule('cascade')
        .index('idx_messages_conversation_uuid'),
    role: p.string().length(50).$type<MessageRole>().index('idx_messages_role'),
    content: p.text().nullable(),
    parts: p.json<MessagePart[]>(),
    attachments: p.json<unknown[]>().nullable(),
    createdAt: timestampNow().index('idx_messages_created_at'),
    updatedAt: timestampNow(),
    metadata: p.json<JsonValue>().nullable(),
    status: p.string().length(16).$type<MessageStatus>().default('complete'),
    // Position inside the conversation, handed out under the conversation's row lock: the strict total order.
    seq: p.bigint('string'),
    requestHash: p.string().length(64).nullable().hidden(),
    // Search document: the message's text, tools and sources, then its conversation's title (see search/tokenizer.ts).
    search: p.string().columnType('tsvector').defaultRaw(`''::tsvector`).lazy().hidden(),
  },
  indexes: [
    {
      name: 'idx_messages_conv_uuid_time',
      expression: 'create index "idx_messages_conv_uuid_time" on "messages" ("conversation_uuid", "created_at" desc)',
    },
    {
      name: 'idx_messages_parts_gin',
      expression: 'create index "idx_messages_parts_gin" on "messages" using gin ("parts")',
    },
    {
      name: 'idx_messages_streaming',
      expression: `create index "idx_messages_streaming" on "messages" ("updated_at") where "status" = 'streaming'`,
    },
    {
      name: 'idx_messages_search',
      expression: 'create index "idx_messages_search" on "messages" using gin ("search")',
    },
  ],
  uniques: [{ name: 'uq_messages_conversation_seq', properties: ['conversation', 'seq'] }],
  checks: [
    { name: 'messages_role_check', expression: `role in ('user', 'assistant', 'system', 'tool')` },
    { name: 'messages_status_check', expression: `status in ('streaming', 'complete', 'aborted', 'error')` },
    { name: 'messages_parts_array_check', expression: `jsonb_typeof(parts) = 'array'` },
    { name: 'messages_client_id_check', expression: `client_id ~ '^[A-Za-z0-9_-]{1,128}$'` },
  ],
  triggers: [touchUpdatedAt('update_messages_updated_at')],
});

export class Message extends MessageSchema.class {}
MessageSchema.setClass(Message);
