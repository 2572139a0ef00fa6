import { check, InvalidRecord, item, type SourceItem } from '../records.ts';
import { jsonElements, type TextInput } from '../stream.ts';

/**
 * AI SDK `UIMessage[]` as a chat app keeps it: one conversation's array (its id given by `conversationId`), or
 * `{ chatId: UIMessage[] }`, read as it streams. UIMessages carry no times: a message's `metadata.createdAt` is
 * used when present, the import's time otherwise, and the array's order is the conversation's order.
 */
export async function* uiMessagesSource(
  input: TextInput,
  userId: string,
  conversationId?: string,
  now = new Date().toISOString(),
): AsyncGenerator<SourceItem> {
  for await (const entry of jsonElements(input, { objectOfArrays: true })) {
    if ('error' in entry) {
      yield { line: entry.line, invalid: entry.error };
      continue;
    }
    const chatId = entry.key ?? conversationId;
    if (chatId === undefined) {
      throw new InvalidRecord(entry.line, "the file is one conversation's UIMessage[]: give --conversation <id>");
    }
    const message = entry.value as Record<string, unknown>;
    yield item(
      entry.line,
      () => {
        if (message === null || typeof message !== 'object') throw new Error('a UIMessage must be an object');
        const metadata = (message.metadata ?? null) as Record<string, unknown> | null;
        const at = metadata && typeof metadata === 'object' && 'createdAt' in metadata ? metadata.createdAt : undefined;
        const createdAt = at === undefined ? now : check.time('metadata.createdAt', at);
        return {
          type: 'message',
          id: check.id('id', message.id),
          conversationId: check.id('chat id', chatId),
          userId,
          role: check.role(message.role),
          content: null,
          parts: check.parts(message.parts),
          attachments: null,
          metadata: metadata as never,
          status: 'complete',
          createdAt,
          updatedAt: createdAt,
          seq: null,
        };
      },
      entry.bytes,
    );
  }
}
