import { defineEntity, p } from '@mikro-orm/core';
import { timestampNow, uuidPrimaryKey } from './columns.ts';
import { Conversation } from './conversation.ts';
import { touchUpdatedAt } from './triggers.ts';

export const NoteSchema = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    id: uuidPrimaryKey(),
    userId: p.text(),
    session: () =>
      p.manyToOne(Conversation).targetKey('uuid').fieldName('session_id').deleteRule('cascade').index(false),
    action: p.text().index('idx_notes_action'),
    name: p.text().index('idx_notes_name'),
    context: p.text(),
    selectStatus: p.integer().default(0).index('idx_notes_select_status'),
    metadata: p.json<Record<string, unknown>>().defaultRaw(`'{}'`),
    createdAt: timestampNow(),
    updatedAt: timestampNow(),
    version: p.integer().version().default(1),
    // sha256 of the write that created the row, so a replay with the same id can be told apart from a reuse.
    requestHash: p.string().length(64).nullable().hidden(),
  },
  indexes: [{ name: 'idx_notes_user_session', properties: ['userId', 'session'] }],
  uniques: [{ name: 'notes_unique_user_session_name', properties: ['userId', 'session', 'name'] }],
  triggers: [touchUpdatedAt('update_notes_updated_at')],
});

export class Note extends NoteSchema.class {}
NoteSchema.setClass(Note);
