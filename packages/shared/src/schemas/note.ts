import { z } from 'zod';
import { entityId, isoDate, jsonObject, page, pageInput, shortName, uuid } from './common.ts';

const action = shortName('action');
const name = shortName('name');
const content = z
  .string({ error: 'context must be a string' })
  .max(1_000_000, { error: 'context must be at most 1000000 characters' });
/** The seeds' `select_status`: 0 is "not selected", anything else is a selection state of the agent's own. */
const selectStatus = z.int32({ error: 'selectStatus must be a 32-bit integer' });

/**
 * `note.create`: a note's name is unique in its session. `id` makes the create retryable: the same id and
 * payload returns the stored note, a different payload is CONFLICT.
 */
export const noteCreateInput = z.object({
  id: uuid.optional(),
  sessionId: entityId,
  action,
  name,
  context: content,
  selectStatus: selectStatus.optional(),
  metadata: jsonObject.optional(),
});
export const noteKeyInput = z.object({ sessionId: entityId, name });
export const noteSessionInput = z.object({ sessionId: entityId });
export const noteListInput = pageInput.extend({ sessionId: entityId, action: action.optional() });
export const noteUpdateInput = z
  .object({
    sessionId: entityId,
    name,
    context: content.optional(),
    metadata: jsonObject.optional(),
    expectedVersion: z.number().int().min(1).optional(),
  })
  .refine((input) => input.context !== undefined || input.metadata !== undefined, {
    error: 'context or metadata: give at least one to change',
  });
export const noteSetSelectionInput = z.object({ sessionId: entityId, name, selectStatus });
/** The seeds' `batch_update_selections`: every name must exist, or nothing changes. */
export const noteSetSelectionsInput = z.object({
  sessionId: entityId,
  selections: z.record(name, selectStatus, {
    error: (issue) =>
      issue.code === 'invalid_key' ? `note name ${JSON.stringify(issue.input)} must be 1 to 255 characters` : undefined,
  }),
});

export const noteDto = z.object({
  id: uuid,
  sessionId: z.string(),
  action: z.string(),
  name: z.string(),
  context: z.string(),
  selectStatus: z.number().int(),
  metadata: jsonObject,
  version: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type NoteDto = z.infer<typeof noteDto>;
export const notePage = page(noteDto);
export const noteDeleteResult = z.object({ id: uuid, name: z.string(), deleted: z.literal(true) });
/** The seeds' `get_notes_summary`. A note is selected when its `selectStatus` is not 0. */
export const noteSummary = z.object({
  total: z.number().int(),
  perAction: z.array(z.object({ action: z.string(), count: z.number().int() })),
  perSelectStatus: z.array(z.object({ selectStatus: z.number().int(), count: z.number().int() })),
  selected: z.number().int(),
  selectedNames: z.array(z.string()),
});
export type NoteSummary = z.infer<typeof noteSummary>;
