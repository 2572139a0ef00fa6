import type { RouterInputs, RouterOutputs } from '@threadstore/api';
import type { JsonValue, MessagePart } from '@threadstore/shared';
import type { ThreadstoreClient } from './client.ts';

type FinishInput = RouterInputs['message']['finish'];
type Message = RouterOutputs['message']['finish'];

export interface AssistantStreamOptions {
  conversationId: string;
  /** With a service token: the user the reply belongs to. */
  userId?: string;
  /** The reply's id; the client makes one when omitted. */
  id?: string;
  metadata?: JsonValue;
  /**
   * Continue the message of this id (the AI SDK streams the turn after a tool approval into the same message):
   * a finished one goes back to streaming with its parts, a missing one is started.
   */
  continue?: boolean;
}

export interface AssistantStream {
  readonly id: string;
  /**
   * Saves the reply so far. Give all of its parts each time: only the parts that are new or changed since the
   * last saved checkpoint are sent, placed at their index, so a retried or repeated checkpoint lands once.
   */
  checkpoint(parts: readonly MessagePart[]): Promise<void>;
  /** Ends the stream; `parts` replaces everything checkpointed, and without it the checkpoints are the reply. */
  finish(
    status: FinishInput['status'],
    final?: Pick<FinishInput, 'parts' | 'errorText' | 'metadata'>,
  ): Promise<Message>;
}

function firstDifference(saved: readonly string[], next: readonly string[]): number {
  const index = next.findIndex((part, position) => part !== saved[position]);
  return index === -1 ? next.length : index;
}

/** Starts an assistant reply in status `streaming`; what it checkpoints survives a crash before `finish`. */
export async function startAssistantStream(
  client: ThreadstoreClient,
  options: AssistantStreamOptions,
): Promise<AssistantStream> {
  const { userId } = options;
  const { id } = await client.message.start.mutate({
    id: options.id,
    conversationId: options.conversationId,
    userId,
    metadata: options.metadata,
    continue: options.continue,
  });
  /** Each part as the server last acknowledged it, in JSON: callers may mutate their part objects in place. */
  let saved: string[] = [];
  // Writes go out one at a time, in call order, so each diff is against what the server really holds.
  let previous: Promise<unknown> = Promise.resolve();
  const inOrder = <T>(write: () => Promise<T>): Promise<T> => {
    const result = previous.then(write);
    previous = result.catch(() => undefined);
    return result;
  };

  return {
    id,
    checkpoint(parts) {
      const encoded = parts.map((part) => JSON.stringify(part));
      return inOrder(async () => {
        if (encoded.length < saved.length) {
          throw new Error('checkpoint: parts can only be added or changed; give finish() the final parts instead');
        }
        const index = firstDifference(saved, encoded);
        if (index === encoded.length) return;
        const changed = encoded.slice(index).map((part) => JSON.parse(part) as MessagePart);
        await client.message.appendParts.mutate({ id, userId, index, parts: changed });
        saved = encoded;
      });
    },
    finish(status, final = {}) {
      return inOrder(() => client.message.finish.mutate({ id, userId, status, ...final }));
    },
  };
}
