import { externalId } from '../db.ts';
import { conflict } from '../errors.ts';

// Replay detection, the one way for every resource: a write may name its own id, and when a row with that id is
// already stored the write is a replay if it carries the same request hash (see `requestHash`) and lands in the
// same place; it is then answered with the stored row. Any other write with that id is a CONFLICT.

interface Replayable {
  request_hash: string | null;
}

/** Whether the stored row answers a write with this request hash. */
export const isReplayOf = (stored: Replayable | undefined, hash: string): stored is Replayable =>
  stored !== undefined && stored.request_hash === hash;

/**
 * For each write of a batch (its id, if it gave one, and its request hash), the stored row it replays, or
 * undefined. `inPlace` says whether a stored row belongs where the write goes (the same conversation).
 */
export function findReplays<Row extends Replayable & { client_id: string | null; uuid: string }>(
  stored: readonly Row[],
  writes: readonly { id: string | undefined; hash: string }[],
  inPlace: (row: Row) => boolean,
): (Row | undefined)[] {
  const byId = new Map(stored.map((row) => [externalId(row), row]));
  return writes.map(({ id, hash }) => {
    const row = id === undefined ? undefined : byId.get(id);
    return row && inPlace(row) && isReplayOf(row, hash) ? row : undefined;
  });
}

/**
 * A create of a context or note that named its own id: the stored row with that id when the write replays it
 * (same request hash, same user and session), undefined when the id is free; any other use of the id is a
 * CONFLICT naming `what`.
 */
export function replayInSession<Row extends Replayable & { user_id: string; session_id: string }>(
  stored: Row | undefined,
  write: { hash: string; userId: string; session: string },
  what: string,
): Row | undefined {
  if (!stored) return undefined;
  if (stored.user_id === write.userId && stored.session_id === write.session && isReplayOf(stored, write.hash)) {
    return stored;
  }
  throw conflict(`id: ${what} already exists with a different payload`);
}
