import { defineEntity, p } from '@mikro-orm/core';
import { Conversation } from './conversation.ts';
import { touchUpdatedAt } from './triggers.ts';

export const NoteSchema = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    id: p
      .uuid()
      .primary()
      .defaultRaw('gen_random_uuid()')
      .onCreate(() => crypto.randomUUID()),
    userId: p.text(),
    session: () =>
      p.manyToOne(Conversation).targetKey('uuid').fieldName('session_id').deleteRule('cascade').index(false),
    action: p.text().index('idx_notes_action'),
    name: p.text().index('idx_notes_name'),
    context: p.text(),
    selectStatus: p.integer().default(0).index('idx_notes_select_status'),
    metadata: p.json<Record<string, unknown>>().defaultRaw(`'{}'`),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    version: p.integer().version().default(1),
  },
  indexes: [{ name: 'idx_notes_user_session', properties: ['userId', 'session'] }],
  uniques: [{ name: 'notes_unique_user_session_name', properties: ['userId', 'session', 'name'] }],
  triggers: [touchUpdatedAt('update_notes_updated_at')],
});

export class Note extends NoteSchema.class {}
NoteSchema.setClass(Note);
