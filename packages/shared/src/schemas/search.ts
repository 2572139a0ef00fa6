import { z } from 'zod';
import { entityId, isoDate, page, pageInput } from './common.ts';
import { messageDto, messageRole } from './message.ts';

/** Longest query text accepted, in UTF-16 code units. */
export const SEARCH_QUERY_MAX_LENGTH = 500;

/** Where in a message a hit was found; the snippet is cut from that text. */
export const SEARCH_FIELD_KINDS = ['text', 'reasoning', 'tool', 'source', 'title'] as const;
export type SearchFieldKind = (typeof SEARCH_FIELD_KINDS)[number];

export const searchQueryText = z
  .string({ error: 'q must be a string' })
  .max(SEARCH_QUERY_MAX_LENGTH, { error: `q must be at most ${SEARCH_QUERY_MAX_LENGTH} characters` });

export const searchMessagesInput = pageInput.extend({
  /** Words, "quoted phrases", -exclusions; Chinese, Japanese and Korean text matches any substring. */
  q: searchQueryText,
  conversationId: entityId.optional(),
  role: messageRole.optional(),
  /** Only messages with a call of this tool. */
  tool: z.string().trim().min(1).max(255).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

/** `[start, end)` in UTF-16 code units of the snippet, as JavaScript's `slice` takes them. */
export const searchHighlight = z.object({ start: z.number().int().min(0), end: z.number().int().min(0) });

export const searchHit = z.object({
  message: messageDto,
  conversation: z.object({ id: z.string(), title: z.string().nullable() }),
  snippet: z.string(),
  highlights: z.array(searchHighlight),
  matchedIn: z.enum(SEARCH_FIELD_KINDS),
  score: z.number(),
});
export type SearchHit = z.infer<typeof searchHit>;
export const searchPage = page(searchHit);
