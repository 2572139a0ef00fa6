import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { check, InvalidRecord, item, type SourceItem, type TransferRecord } from '../records.ts';
import { jsonElements, type TextInput } from '../stream.ts';

interface Node {
  id: string;
  parent?: string | null;
  children?: string[];
  message?: {
    id: string;
    author?: { role?: string };
    content?: { content_type?: string; parts?: unknown[]; text?: string };
    create_time?: number | null;
    metadata?: Record<string, unknown>;
  } | null;
}
interface ChatGptConversation {
  id?: string;
  conversation_id?: string;
  title?: string | null;
  create_time?: number;
  update_time?: number;
  current_node?: string;
  mapping?: Record<string, Node>;
}

const seconds = (value: number | null | undefined, fallback: string) =>
  typeof value === 'number' ? new Date(value * 1000).toISOString() : fallback;

function textOf(content: NonNullable<Node['message']>['content']): string {
  if (!content) return '';
  if (Array.isArray(content.parts))
    return content.parts.filter((part): part is string => typeof part === 'string').join('\n');
  return typeof content.text === 'string' ? content.text : '';
}

/**
 * One exported conversation: its row, and the current branch (from `current_node` up to the root) as messages.
 * Messages on other branches (edits, regenerations) go into the conversation's metadata, so none is lost.
 */
function conversationRecords(value: ChatGptConversation, userId: string): TransferRecord[] {
  const id = check.uuid('id', value.conversation_id ?? value.id);
  const mapping = value.mapping;
  if (!mapping || typeof mapping !== 'object') throw new Error('mapping: missing');
  const created = seconds(value.create_time, new Date(0).toISOString());
  const branch: Node[] = [];
  for (let at = value.current_node; at && mapping[at]; at = mapping[at]?.parent ?? undefined)
    branch.unshift(mapping[at] as Node);
  const onBranch = new Set(branch.map((node) => node.id));
  const visible = (node: Node) => {
    const message = node.message;
    if (!message) return false;
    const hidden = message.metadata?.is_visually_hidden_from_conversation === true;
    return !hidden && !(message.author?.role === 'system' && textOf(message.content) === '');
  };
  const summary = (node: Node) => ({
    id: node.id,
    parent: node.parent ?? null,
    role: node.message?.author?.role ?? null,
    text: textOf(node.message?.content),
    createTime: node.message?.create_time ?? null,
  });
  const others = Object.values(mapping).filter((node) => !onBranch.has(node.id) && node.message);
  const messages = branch.filter(visible).map((node): TransferRecord => {
    const message = node.message as NonNullable<Node['message']>;
    const at = seconds(message.create_time, created);
    const text = textOf(message.content);
    const role = message.author?.role === 'tool' ? 'tool' : check.role(message.author?.role);
    return {
      type: 'message',
      id: check.id('message.id', message.id),
      conversationId: id,
      userId,
      role,
      content: text,
      parts: text ? [{ type: 'text', text }] : [],
      attachments: null,
      metadata: {
        chatgpt: { content: message.content ?? null, metadata: message.metadata ?? {}, parent: node.parent ?? null },
      } as never,
      status: 'complete',
      createdAt: at,
      updatedAt: at,
      seq: null,
    };
  });
  const updated = seconds(value.update_time, created);
  return [
    {
      type: 'conversation',
      id,
      userId,
      title: value.title ? check.title(value.title) : null,
      createdAt: created,
      updatedAt: updated,
      metadata: { chatgpt: { currentNode: value.current_node ?? null, otherBranches: others.map(summary) } } as never,
      pinned: false,
      archivedAt: null,
      deletedAt: null,
      tags: [],
      version: 1,
      lastMessageAt: messages.length > 0 ? (messages.at(-1) as { createdAt: string }).createdAt : null,
      messageSeq: 0,
    },
    ...messages,
  ];
}

/** `conversations.json` inside a ChatGPT data export zip, as a stream (the zip is read entry by entry). */
async function conversationsInZip(file: string): Promise<Readable> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!/(^|\/)conversations\.json$/.test(entry.fileName)) return zip.readEntry();
      zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream)));
    });
    zip.on('end', () => reject(new InvalidRecord(0, 'the zip holds no conversations.json')));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** A ChatGPT export file: `conversations.json` itself, or the export zip holding it. */
export async function chatgptFile(file: string): Promise<AsyncIterable<Uint8Array>> {
  const handle = await openFile(file);
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0);
  await handle.close();
  return magic.toString('latin1') === 'PK' ? conversationsInZip(file) : createReadStream(file);
}

/** ChatGPT's `conversations.json`, one conversation per array element. */
export async function* chatgptSource(input: TextInput, userId: string): AsyncGenerator<SourceItem> {
  let index = 0;
  for await (const entry of jsonElements(input)) {
    index += 1;
    if ('error' in entry) {
      yield { line: entry.line, invalid: `conversation ${index}: ${entry.error}` };
      continue;
    }
    let records: TransferRecord[];
    try {
      records = conversationRecords(entry.value as ChatGptConversation, userId);
    } catch (error) {
      yield { line: entry.line, invalid: `conversation ${index}: ${(error as Error).message}` };
      continue;
    }
    for (const record of records) yield item(entry.line, () => record);
  }
}
