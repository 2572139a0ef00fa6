import { EXPORT_HEADER } from '../export.ts';
import { check, item, type SourceItem, type TransferRecord } from '../records.ts';
import { jsonElements, type TextInput } from '../stream.ts';

type Line = Record<string, unknown>;
const nullable = <T>(value: unknown, read: (v: unknown) => T): T | null =>
  value === null || value === undefined ? null : read(value);
const json = <T>(value: unknown) => (value === undefined ? null : (value as T));
const int = (field: string, value: unknown) => {
  if (!Number.isSafeInteger(value)) throw new Error(`${field}: must be an integer`);
  return value as number;
};

function record(line: Line): TransferRecord {
  const userId = check.text('userId', line.userId);
  const createdAt = check.time('createdAt', line.createdAt);
  const updatedAt = check.time('updatedAt', line.updatedAt);
  switch (line.type) {
    case 'conversation':
      if (!Array.isArray(line.tags) || !line.tags.every((tag) => typeof tag === 'string'))
        throw new Error('tags: must be a list of text');
      return {
        type: 'conversation',
        id: check.id('id', line.id),
        userId,
        title: nullable(line.title, check.title),
        createdAt,
        updatedAt,
        metadata: json(line.metadata),
        pinned: line.pinned === true,
        archivedAt: nullable(line.archivedAt, (v) => check.time('archivedAt', v)),
        deletedAt: nullable(line.deletedAt, (v) => check.time('deletedAt', v)),
        tags: line.tags as string[],
        version: int('version', line.version),
        lastMessageAt: nullable(line.lastMessageAt, (v) => check.time('lastMessageAt', v)),
        messageSeq: int('messageSeq', line.messageSeq),
      };
    case 'message':
      if (!['streaming', 'complete', 'aborted', 'error'].includes(line.status as string)) {
        throw new Error(`status: ${JSON.stringify(line.status)} is not a message status`);
      }
      return {
        type: 'message',
        id: check.id('id', line.id),
        conversationId: check.id('conversationId', line.conversationId),
        userId,
        role: check.role(line.role),
        content: nullable(line.content, (v) => check.text('content', v)),
        parts: check.parts(line.parts),
        attachments: json(line.attachments),
        metadata: json(line.metadata),
        status: line.status as 'complete',
        createdAt,
        updatedAt,
        seq: int('seq', line.seq),
      };
    case 'context':
      return {
        type: 'context',
        id: check.uuid('id', line.id),
        userId,
        sessionId: check.id('sessionId', line.sessionId),
        action: check.text('action', line.action),
        contextData: check.object('contextData', line.contextData),
        metadata: check.object('metadata', line.metadata),
        createdAt,
        updatedAt,
        version: int('version', line.version),
      };
    case 'note':
      return {
        type: 'note',
        id: check.uuid('id', line.id),
        userId,
        sessionId: check.id('sessionId', line.sessionId),
        action: check.text('action', line.action),
        name: check.text('name', line.name),
        context: check.text('context', line.context),
        selectStatus: int('selectStatus', line.selectStatus),
        metadata: check.object('metadata', line.metadata),
        createdAt,
        updatedAt,
        version: int('version', line.version),
      };
    default:
      throw new Error(`type: ${JSON.stringify(line.type)} is not conversation, message, context or note`);
  }
}

/**
 * A threadstore export (JSON Lines) as records. `asUser` files every record under that user instead of the one
 * it names: an API caller restores into its own history, whatever the file says.
 */
export async function* threadstoreSource(input: TextInput, asUser?: string): AsyncGenerator<SourceItem> {
  for await (const entry of jsonElements(input)) {
    if ('error' in entry) {
      yield { line: entry.line, invalid: entry.error };
      continue;
    }
    const value = entry.value as Line;
    if (value?.type === EXPORT_HEADER.type) {
      if (value.version !== EXPORT_HEADER.version)
        yield { line: entry.line, invalid: `version ${value.version} of the export format is not known` };
      continue;
    }
    if (value === null || typeof value !== 'object') {
      yield { line: entry.line, invalid: 'a line must be a JSON object' };
      continue;
    }
    yield item(entry.line, () => record(asUser === undefined ? value : { ...value, userId: asUser }), entry.bytes);
  }
}
