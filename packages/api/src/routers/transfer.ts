import { isUuid } from '@threadstore/shared';
import { z } from 'zod';
import { decodeCursor, encodeCursor, isIdText, isTimestampText } from '../cursor.ts';
import { db } from '../db.ts';
import { badRequest } from '../errors.ts';
import { exportLines } from '../transfer/export.ts';
import { importRecords } from '../transfer/import.ts';
import { InvalidRecord, type SourceItem } from '../transfer/records.ts';
import { chatgptSource } from '../transfer/sources/chatgpt.ts';
import { supabaseSource } from '../transfer/sources/supabase.ts';
import { threadstoreSource } from '../transfer/sources/threadstore.ts';
import { uiMessagesSource } from '../transfer/sources/uimessages.ts';
import { outputParser, router, userMutation, userProcedure } from '../trpc.ts';

/** One call's upload: bigger files go up in pieces (whole records each), or through the command line. */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
/** A page of `transfer.export` ends after the conversation that crosses this many bytes. */
const EXPORT_PAGE_BYTES = 1024 * 1024;

const formats = ['supabase', 'supabase-contexts', 'supabase-notes', 'uimessages', 'chatgpt', 'threadstore'] as const;

const importInput = z.object({
  format: z.enum(formats),
  data: z.string().refine((data) => Buffer.byteLength(data) <= MAX_IMPORT_BYTES, {
    error: `must be at most ${MAX_IMPORT_BYTES} bytes: send a bigger file in pieces of whole records`,
  }),
  /** The conversation of a plain UIMessage[]. */
  conversationId: z.string().optional(),
  skipInvalid: z.boolean().optional(),
});

const importResult = z.object({
  records: z.number().int(),
  conversations: z.number().int(),
  messages: z.number().int(),
  contexts: z.number().int(),
  notes: z.number().int(),
  existing: z.number().int(),
  reordered: z.number().int(),
  skipped: z.array(z.object({ line: z.number().int(), reason: z.string() })),
});

const exportInput = z
  .object({
    conversationId: z.string().optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().optional(),
  })
  .prefault({});
const exportPage = z.object({ lines: z.string(), nextCursor: z.string().nullable() });

type After = [string, string, string];
const isAfter = (values: unknown[]): values is After =>
  values.length === 3 && isTimestampText(values[0]) && isIdText(values[1]) && typeof values[2] === 'string';

function sourceFor(input: z.infer<typeof importInput>, userId: string): AsyncIterable<SourceItem> {
  const text = (async function* () {
    yield input.data;
  })();
  switch (input.format) {
    case 'supabase':
      return supabaseSource(text, 'chat_messages', userId);
    case 'supabase-contexts':
      return supabaseSource(text, 'contexts', userId);
    case 'supabase-notes':
      return supabaseSource(text, 'notes', userId);
    case 'uimessages':
      return uiMessagesSource(text, userId, input.conversationId);
    case 'chatgpt':
      return chatgptSource(text, userId);
    case 'threadstore':
      return threadstoreSource(text, userId);
  }
}

/**
 * Imports and exports for the web client's upload and download, always in the caller's own history: an import
 * files every record under the caller, whatever user the file names. The command line has the same formats
 * without the size limit (see docs/import-export.md).
 */
export const transferRouter = router({
  import: userMutation
    .input(importInput)
    .output(outputParser(importResult))
    .mutation(async ({ ctx, input }) => {
      try {
        // One call is one transaction: an upload is imported whole or not at all.
        return await importRecords(db(ctx.em), sourceFor(input, ctx.userId), {
          skipInvalid: input.skipInvalid,
          orderByTime: input.format === 'supabase',
          exact: input.format === 'threadstore',
        });
      } catch (error) {
        if (error instanceof InvalidRecord) {
          throw badRequest(`data: ${error.line > 0 ? `line ${error.line}: ` : ''}${error.message}`);
        }
        throw error;
      }
    }),
  /** The caller's history as a threadstore export, a page of whole conversations at a time; the first page starts with the header. */
  export: userProcedure
    .input(exportInput)
    .output(outputParser(exportPage))
    .query(async ({ ctx, input }) => {
      if (input.conversationId !== undefined && !isIdText(input.conversationId)) {
        throw badRequest('conversationId: must be a uuid or 1 to 128 characters of A-Z, a-z, 0-9, _ and -');
      }
      const after = input.cursor ? decodeCursor<After>(input.cursor, isAfter) : undefined;
      const conversationId =
        input.conversationId && isUuid(input.conversationId)
          ? input.conversationId.toLowerCase()
          : input.conversationId;
      let lines = '';
      let last: After | undefined;
      let more = false;
      for await (const line of exportLines(db(ctx.em), {
        userId: ctx.userId,
        conversationId,
        since: input.since,
        after,
      })) {
        if (line.startsWith('{"type":"conversation"')) {
          if (Buffer.byteLength(lines) >= EXPORT_PAGE_BYTES) {
            more = true;
            break;
          }
          const record = JSON.parse(line) as { createdAt: string; id: string; userId: string };
          last = [record.createdAt, record.id, record.userId];
        } else if (after && line.startsWith('{"type":"threadstore"')) continue;
        lines += line;
      }
      return { lines, nextCursor: more && last ? encodeCursor(last) : null };
    }),
});
