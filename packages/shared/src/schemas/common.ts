import { z } from 'zod';

export const uuid = z.uuid({ error: 'must be a uuid' });
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
