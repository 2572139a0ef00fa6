import { check, InvalidRecord, item, type SourceItem } from '../records.ts';

/**
 * AI SDK `UIMessage[]` as a chat app keeps it: one conversation's array (its id given by `conversationId`), or
 * `{ chatId: UIMessage[] }`. UIMessages carry no times: a message's `metadata.createdAt` is used when present,
 * the import's time otherwise, and the array's order is the conversation's order. Such files are one chat app's
 * state, so it is read whole (the caller reads the file).
 */
export async function* uiMessagesSource(
  text: string,
  userId: string,
  conversationId?: string,
  now = new Date().toISOString(),
): AsyncGenerator<SourceItem> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRecord(0, `not JSON (${(error as Error).message})`);
  }
  let chats: [string, unknown][];
  if (Array.isArray(value)) {
    if (!conversationId)
      throw new InvalidRecord(0, "the file is one conversation's UIMessage[]: give --conversation <id>");
    chats = [[conversationId, value]];
  } else if (value !== null && typeof value === 'object') chats = Object.entries(value);
  else throw new InvalidRecord(0, 'expected UIMessage[] or { chatId: UIMessage[] }');
  let index = 0;
  for (const [chatId, messages] of chats) {
    if (!Array.isArray(messages)) {
      yield { line: index, invalid: `chat ${chatId}: must be a UIMessage[]` };
      continue;
    }
    for (const message of messages as Record<string, unknown>[]) {
      index += 1;
      yield item(index, () => {
        if (message === null || typeof message !== 'object') throw new Error('a UIMessage must be an object');
        const metadata = (message.metadata ?? null) as Record<string, unknown> | null;
        const at = metadata && typeof metadata === 'object' && 'createdAt' in metadata ? metadata.createdAt : undefined;
        const createdAt = at === undefined ? now : check.time('metadata.createdAt', at);
        const role = check.role(message.role);
        return {
          type: 'message',
          id: check.id('id', message.id),
          conversationId: check.id('chat id', chatId),
          userId,
          role,
          content: null,
          parts: check.parts(message.parts),
          attachments: null,
          metadata: metadata as never,
          status: 'complete',
          createdAt,
          updatedAt: createdAt,
          seq: null,
        };
      });
    }
  }
}
