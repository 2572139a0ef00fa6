import { z } from 'zod';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLIENT_ID_SHAPE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Anything in the 8-4-4-4-12 hex layout is a uuid, whatever its version bits say: PostgreSQL's uuid type takes
 * them all, and a client id shaped like one would be ambiguous.
 */
export const isUuid = (id: string): boolean => UUID_SHAPE.test(id);

// Lower case is how PostgreSQL prints a uuid: any spelling of one uuid is the same id, replays included.
const normaliseId = (id: string) => (isUuid(id) ? id.toLowerCase() : id);

/** A uuid, in any case; it comes out in lower case. */
export const uuid = z
  .string({ error: 'must be a uuid' })
  .regex(UUID_SHAPE, { error: 'must be a uuid' })
  .transform(normaliseId);

/**
 * A conversation's or message's id: a uuid, or a client's own id (the AI SDK's `generateId()` chat and message
 * ids) of 1 to 128 characters from A-Z, a-z, 0-9, `_` and `-`, kept exactly as given.
 */
export const entityId = z
  .string({ error: 'must be a string' })
  .regex(CLIENT_ID_SHAPE, { error: 'must be a uuid or 1 to 128 characters of A-Z, a-z, 0-9, _ and -' })
  .transform(normaliseId);

/** Any JSON value, as the AI SDK's `JSONValue` has it (object members may be undefined: JSON drops them). */
export type JsonValue = null | string | number | boolean | { [key: string]: JsonValue | undefined } | JsonValue[];
export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.string(),
    z.number(),
    z.boolean(),
    z.record(z.string(), jsonValue.optional()),
    z.array(jsonValue),
  ]),
);
/** A user token sees one user's rows; a service token acts for the user each call names. */
export const API_TOKEN_KINDS = ['user', 'service'] as const;
export type ApiTokenKind = (typeof API_TOKEN_KINDS)[number];

export const isoDate = z.iso.datetime({ offset: true });
export const jsonObject = z.record(z.string(), z.unknown());

/** Lists are keyset-paginated: an opaque cursor and a limit of 1..100, 30 by default. */
export const pageInput = z.object({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.number().int().min(1).max(100).default(30),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A service token acts for the user it names here; a user token may omit it or name itself. */
export const actingUserInput = z.object({ userId: z.string().trim().min(1).max(255).optional() }).prefault({});

/** Names of actions, notes and sessions in the seeds: non-empty text of at most 255 characters. */
export const shortName = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(255, { error: `${field} must be at most 255 characters` });
