import { createHash } from 'node:crypto';
import { isUuid, type JsonValue, type MessagePart, messageParts } from '@threadstore/shared';

/** The form every source is turned into before it is written: the store's own rows, ids as the client knows them. */
export interface ConversationRecord {
  type: 'conversation';
  id: string;
  userId: string;
  title: string | null;
  createdAt: string;
  updatedAt: string;
  metadata: JsonValue | null;
  pinned: boolean;
  archivedAt: string | null;
  deletedAt: string | null;
  tags: string[];
  version: number;
  lastMessageAt: string | null;
  messageSeq: number;
}

export interface MessageRecord {
  type: 'message';
  id: string;
  conversationId: string;
  userId: string;
  role: 'user' | 'assistant' | 'system' | 'tool';
  content: string | null;
  parts: MessagePart[];
  attachments: unknown[] | null;
  metadata: JsonValue | null;
  status: 'streaming' | 'complete' | 'aborted' | 'error';
  createdAt: string;
  updatedAt: string;
  /** Position in the conversation: kept from a threadstore export, handed out in file order otherwise. */
  seq: number | null;
}

export interface ContextRecord {
  type: 'context';
  id: string;
  userId: string;
  sessionId: string;
  action: string;
  contextData: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface NoteRecord {
  type: 'note';
  id: string;
  userId: string;
  sessionId: string;
  action: string;
  name: string;
  context: string;
  selectStatus: number;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type TransferRecord = ConversationRecord | MessageRecord | ContextRecord | NoteRecord;

/**
 * What a source yields: a record (with the size of its source text when the source knows it, so batches stay
 * small in bytes as well as in count), or why the record at that place cannot be imported.
 */
export type SourceItem = { line: number; record: TransferRecord; bytes?: number } | { line: number; invalid: string };

/** A record that cannot be imported, at its place in the input ("line 12" or "record 3"). */
export class InvalidRecord extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A field's value checked on the way in; the messages are the tool's own, naming the field. */
export const check = {
  id(field: string, value: unknown): string {
    if (typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
    if (typeof value !== 'string' || !CLIENT_ID.test(value)) {
      throw new Error(`${field}: ${JSON.stringify(value)} is neither a uuid nor an id of A-Z, a-z, 0-9, _ and -`);
    }
    return isUuid(value) ? value.toLowerCase() : value;
  },
  uuid(field: string, value: unknown): string {
    if (typeof value !== 'string' || !isUuid(value))
      throw new Error(`${field}: ${JSON.stringify(value)} is not a uuid`);
    return value.toLowerCase();
  },
  role(value: unknown): MessageRecord['role'] {
    if (!MESSAGE_ROLES.includes(value as MessageRecord['role'])) {
      throw new Error(`role: ${JSON.stringify(value)} is not one of ${MESSAGE_ROLES.join(', ')}`);
    }
    return value as MessageRecord['role'];
  },
  time(field: string, value: unknown): string {
    const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) throw new Error(`${field}: ${JSON.stringify(value)} is not a time`);
    // A PostgreSQL text timestamp keeps its microseconds; the database reads it as it is.
    return typeof value === 'string' ? value : date.toISOString();
  },
  /** A conversation title: the column holds 500 characters. */
  title(value: unknown): string {
    const title = check.text('title', value);
    if (Array.from(title).length > 500) throw new Error('title: longer than 500 characters');
    return title;
  },
  text(field: string, value: unknown): string {
    if (typeof value !== 'string') throw new Error(`${field}: must be text`);
    return value;
  },
  /** A JSON column: a value, or JSON text (as CSV exports carry it). */
  json(field: string, value: unknown): JsonValue {
    if (typeof value !== 'string') return value as JsonValue;
    try {
      return JSON.parse(value) as JsonValue;
    } catch (error) {
      throw new Error(`${field}: not valid JSON (${(error as Error).message})`);
    }
  },
  object(field: string, value: unknown): Record<string, unknown> {
    const parsed = check.json(field, value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`${field}: must be a JSON object`);
    }
    return parsed as Record<string, unknown>;
  },
  parts(value: unknown): MessagePart[] {
    const result = messageParts.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`parts.${issue?.path.join('.')}: ${issue?.message}`);
    }
    return result.data;
  },
};

/** Runs `build`; a thrown message becomes this item's reason. */
export function item(line: number, build: () => TransferRecord, bytes?: number): SourceItem {
  try {
    return { line, record: build(), ...(bytes === undefined ? {} : { bytes }) };
  } catch (error) {
    return { line, invalid: (error as Error).message };
  }
}

/** A uuid made from a name, so that importing the same source again finds the same rows (name-based, v8 layout). */
export function uuidFromName(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
