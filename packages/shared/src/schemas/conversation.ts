import { z } from 'zod';
import { entityId, isoDate, jsonObject, page, pageInput } from './common.ts';

const title = z.string().trim().max(500, { error: 'title must be at most 500 characters' });
const tags = z.array(z.string().trim().min(1).max(64)).max(50);

export const conversationCreateInput = z.object({
  id: entityId.optional(),
  title: title.nullable().optional(),
  metadata: jsonObject.nullable().optional(),
  tags: tags.optional(),
  pinned: z.boolean().optional(),
});
export const conversationIdInput = z.object({ id: entityId });
export const conversationListInput = pageInput
  .extend({
    /** false (default): hide archived; true: only archived. */
    archived: z.boolean().default(false),
    pinned: z.boolean().optional(),
    tag: z.string().trim().min(1).max(64).optional(),
    /** true: only the trash; otherwise the trash is hidden. */
    trashed: z.boolean().default(false),
    q: z.string().max(500).optional(),
  })
  .prefault({});
export const conversationUpdateInput = z.object({
  id: entityId,
  expectedVersion: z.number().int().min(1).optional(),
  title: title.nullable().optional(),
  metadata: jsonObject.nullable().optional(),
  tags: tags.optional(),
  pinned: z.boolean().optional(),
  archived: z.boolean().optional(),
});
/** An IANA name both the JavaScript runtime and PostgreSQL know: a name, never an offset or a POSIX rule. */
function isTimeZoneName(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const conversationStatsInput = z
  .object({
    conversationId: entityId.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    /** IANA time zone the days are counted in. */
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZoneName, { error: 'timeZone must be an IANA time zone name such as Europe/Berlin or UTC' })
      .default('UTC'),
  })
  .prefault({});

export const conversationDto = z.object({
  /** Exactly as it was given: a uuid (in lower case) or the client's own id, such as an AI SDK chat id. */
  id: z.string(),
  userId: z.string(),
  title: z.string().nullable(),
  metadata: jsonObject.nullable(),
  pinned: z.boolean(),
  tags: z.array(z.string()),
  archivedAt: isoDate.nullable(),
  deletedAt: isoDate.nullable(),
  lastMessageAt: isoDate.nullable(),
  messageCount: z.number().int(),
  version: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type ConversationDto = z.infer<typeof conversationDto>;
export const conversationPage = page(conversationDto);
export const conversationStats = z.object({
  conversations: z.number().int(),
  messages: z.number().int(),
  perDay: z.array(z.object({ day: z.string(), count: z.number().int() })),
  perRole: z.array(z.object({ role: z.string(), count: z.number().int() })),
  perTool: z.array(z.object({ tool: z.string(), count: z.number().int() })),
});
export type ConversationStats = z.infer<typeof conversationStats>;
