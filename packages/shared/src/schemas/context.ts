import { z } from 'zod';
import { entityId, isoDate, jsonObject, page, pageInput, shortName, uuid } from './common.ts';

/**
 * The most a context may hold: 1 MiB of `contextData`, counted as the UTF-8 bytes of its compact JSON
 * (what `JSON.stringify` writes). A context is working state an agent reloads on every turn; anything bigger
 * belongs in messages. `setField` is held to the same limit for the document it produces.
 */
export const MAX_CONTEXT_BYTES = 1024 * 1024;

/** UTF-8 size of a value's compact JSON: the measure behind `MAX_CONTEXT_BYTES`. */
export function jsonByteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
}

export const fitsContextLimit = (value: unknown): boolean => jsonByteLength(value) <= MAX_CONTEXT_BYTES;

const action = shortName('action');
const contextData = jsonObject.refine(fitsContextLimit, {
  error: `contextData must be at most ${MAX_CONTEXT_BYTES} bytes as JSON`,
});

/**
 * `context.save`, an upsert on (user, session, action). Without `id` or `expectedVersion` it creates or
 * replaces. `id` makes it a create that can be retried: the same id and payload returns the stored row, a
 * different payload, or an action the session already holds under another id, is CONFLICT. `expectedVersion`
 * makes it an update of the row at that version only. `metadata` left out keeps what is stored.
 */
export const contextSaveInput = z
  .object({
    id: uuid.optional(),
    sessionId: entityId,
    action,
    contextData,
    metadata: jsonObject.optional(),
    expectedVersion: z.number().int().min(1).optional(),
  })
  .refine((input) => input.id === undefined || input.expectedVersion === undefined, {
    path: ['expectedVersion'],
    error: 'expectedVersion updates an existing context and id creates one: send one or the other',
  });
export const contextKeyInput = z.object({ sessionId: entityId, action });
export const contextListInput = pageInput.extend({ sessionId: entityId });
/** Without `action`, every context of the session goes. */
export const contextDeleteInput = z.object({ sessionId: entityId, action: action.optional() });

/**
 * The seeds' `update_context_field`: `value` goes at `path` (object keys, outermost first); missing objects on
 * the way are created, and going through anything that is not an object (a string, an array) is refused.
 */
export const contextSetFieldInput = z.object({
  sessionId: entityId,
  action,
  path: z
    .array(
      z
        .string({ error: 'path keys must be strings' })
        .max(1024, { error: 'path keys must be at most 1024 characters' }),
    )
    .min(1, { error: 'path must name at least one key' })
    .max(64, { error: 'path must be at most 64 keys deep' }),
  value: z
    .unknown()
    .refine((value) => value !== undefined, { error: 'value is required; send null to store null' })
    .refine(fitsContextLimit, { error: `value must be at most ${MAX_CONTEXT_BYTES} bytes as JSON` }),
});

export const contextDto = z.object({
  id: uuid,
  sessionId: z.string(),
  action: z.string(),
  contextData: jsonObject,
  metadata: jsonObject,
  version: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type ContextDto = z.infer<typeof contextDto>;
export const contextPage = page(contextDto);
export const contextDeleteResult = z.object({ deleted: z.number().int() });
