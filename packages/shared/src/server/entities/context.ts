import { defineEntity, p } from '@mikro-orm/core';
import { timestampNow, uuidPrimaryKey } from './columns.ts';
import { Conversation } from './conversation.ts';
import { touchUpdatedAt } from './triggers.ts';

export const ContextSchema = defineEntity({
  name: 'Context',
  tableName: 'contexts',
  properties: {
    id: uuidPrimaryKey(),
    userId: p.text(),
    session: () =>
      p.manyToOne(Conversation).targetKey('uuid').fieldName('session_id').deleteRule('cascade').index(false),
    action: p.text().index('idx_contexts_action'),
    contextData: p.json<Record<string, unknown>>(),
    metadata: p.json<Record<string, unknown>>().defaultRaw(`'{}'`),
    createdAt: timestampNow(),
    updatedAt: timestampNow().index('idx_contexts_updated_at'),
    version: p.integer().version().default(1),
    // sha256 of the write that created the row, so a replay with the same id can be told apart from a reuse.
    requestHash: p.string().length(64).nullable().hidden(),
  },
  indexes: [{ name: 'idx_contexts_user_session', properties: ['userId', 'session'] }],
  uniques: [{ name: 'contexts_unique_user_session_action', properties: ['userId', 'session', 'action'] }],
  triggers: [touchUpdatedAt('update_contexts_updated_at')],
});

export class Context extends ContextSchema.class {}
ContextSchema.setClass(Context);
