// A session's agent state in one save and one load: the second seed's LoomiContextManager integration points
// (`save_context_state`, `save_note_to_db`, `_load_persisted_contexts`) on threadstore's contexts and notes.
import type { AppRouter } from '@threadstore/api';
import type { ContextDto, NoteDto } from '@threadstore/shared';
import { type TRPCClient, TRPCClientError } from '@trpc/client';

type JsonObject = Record<string, unknown>;

/** The actions the seed keeps a session's state under. */
export const CONVERSATION_HISTORY_ACTION = 'conversation_history';
export const TACTICS_ACTION = 'tactics';

export interface SessionNote {
  action: string;
  name: string;
  context: string;
  selectStatus?: number;
  metadata?: JsonObject;
}

export interface SaveSessionStateInput {
  /** With a service token: the user the session belongs to. */
  userId?: string;
  sessionId: string;
  /**
   * Saved under action "conversation_history". The seed stores `{ messages: history }`; an agent whose messages
   * already live in threadstore can keep a pointer into `message.list` instead, e.g. `{ lastMessageId }`.
   */
  conversationHistory?: JsonObject;
  /** Saved under action "tactics". */
  tactics?: JsonObject;
  /** Created, or brought up to date when the session already has a note of that name (its action stays). */
  notes?: SessionNote[];
}

export interface SavedSessionState {
  contexts: ContextDto[];
  /** In the order of the input's notes. */
  notes: NoteDto[];
}

export interface LoadedSessionState {
  conversationHistory?: JsonObject;
  tactics?: JsonObject;
  /** Every context of the session, the two above included. */
  contexts: ContextDto[];
  notes: NoteDto[];
}

const isConflict = (error: unknown) => error instanceof TRPCClientError && error.data?.code === 'CONFLICT';

/**
 * Saves a session's state; what is left out is left as it is. Calls made together travel in one HTTP request
 * with a batching client such as `createThreadstoreClient`, but each is its own transaction on the server: the
 * contexts and new notes go in one round, notes that already existed are updated in a second, and their
 * selections set in a third (one transaction for all of them). A failure can leave earlier rounds saved;
 * saving the same state again is safe, and converges.
 */
export async function saveSessionState(
  client: TRPCClient<AppRouter>,
  input: SaveSessionStateInput,
): Promise<SavedSessionState> {
  const { userId, sessionId } = input;
  const contexts = [
    { action: CONVERSATION_HISTORY_ACTION, contextData: input.conversationHistory },
    { action: TACTICS_ACTION, contextData: input.tactics },
  ].filter((entry): entry is { action: string; contextData: JsonObject } => entry.contextData !== undefined);
  const notes = input.notes ?? [];

  const [savedContexts, created] = await Promise.all([
    Promise.all(contexts.map((entry) => client.context.save.mutate({ userId, sessionId, ...entry }))),
    Promise.all(
      notes.map((note) =>
        client.note.create.mutate({ userId, sessionId, ...note }).catch((error: unknown) => {
          // This save sends no id (a retrying client adds a fresh one), so CONFLICT means the name is taken.
          if (isConflict(error)) return undefined;
          throw error;
        }),
      ),
    ),
  ]);

  const existing = notes.filter((_, index) => created[index] === undefined);
  const updated = await Promise.all(
    existing.map((note) =>
      client.note.update.mutate({ userId, sessionId, name: note.name, context: note.context, metadata: note.metadata }),
    ),
  );
  const selections = Object.fromEntries(
    existing.flatMap((note) => (note.selectStatus === undefined ? [] : [[note.name, note.selectStatus]])),
  );
  const selected =
    Object.keys(selections).length > 0 ? await client.note.setSelections.mutate({ userId, sessionId, selections }) : [];

  const latest = new Map([...updated, ...selected].map((note) => [note.name, note]));
  return {
    contexts: savedContexts,
    notes: notes.map((note, index) => created[index] ?? (latest.get(note.name) as NoteDto)),
  };
}

async function allPages<T>(fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/**
 * Loads everything a session holds, page by page; a session with nothing saved yet (or not the caller's) loads
 * as empty. The pages are separate reads, so a save running at the same time may be seen in part.
 */
export async function loadSessionState(
  client: TRPCClient<AppRouter>,
  input: { userId?: string; sessionId: string },
): Promise<LoadedSessionState> {
  const { userId, sessionId } = input;
  const [contexts, notes] = await Promise.all([
    allPages((cursor) => client.context.list.query({ userId, sessionId, cursor, limit: 100 })),
    allPages((cursor) => client.note.list.query({ userId, sessionId, cursor, limit: 100 })),
  ]);
  const byAction = new Map(contexts.map((context) => [context.action, context.contextData]));
  return {
    conversationHistory: byAction.get(CONVERSATION_HISTORY_ACTION),
    tactics: byAction.get(TACTICS_ACTION),
    contexts,
    notes,
  };
}
