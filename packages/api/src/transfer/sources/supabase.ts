import type { JsonValue, MessagePart } from '@threadstore/shared';
import { parse } from 'csv-parse';
import { check, InvalidRecord, item, type SourceItem } from '../records.ts';
import { jsonElements, openInput, type TextInput } from '../stream.ts';

// The second seed's Supabase tables (chat_messages, contexts, notes) as CSV (Supabase's table export: JSON
// columns are JSON text) or JSON (an array of rows, or JSON Lines).

type Row = Record<string, unknown>;

export const SUPABASE_TABLES = {
  chat_messages: {
    required: ['id', 'project_id', 'role', 'content', 'created_at'],
    optional: ['function_tools', 'reference_tools', 'auto_select_tools', 'llm_raw_output'],
  },
  contexts: {
    required: ['id', 'session_id', 'action', 'context_data', 'created_at'],
    optional: ['user_id', 'metadata', 'updated_at'],
  },
  notes: {
    required: ['id', 'session_id', 'action', 'name', 'context', 'created_at'],
    optional: ['user_id', 'select_status', 'metadata', 'updated_at'],
  },
} as const;
export type SupabaseTable = keyof typeof SUPABASE_TABLES;

function missingColumns(table: SupabaseTable, columns: Iterable<string>): string[] {
  const present = new Set(columns);
  return SUPABASE_TABLES[table].required.filter((column) => !present.has(column));
}

/** Rows of a CSV or JSON file, each with its line; the format is told by the first character. */
async function* rows(
  input: TextInput,
  table: SupabaseTable,
): AsyncGenerator<{ line: number; row?: Row; error?: string; bytes?: number }> {
  const chunks = openInput(input)[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return;
  const head = String(first.value).trimStart();
  const rest = (async function* () {
    yield first.value;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  })();
  if (head.startsWith('[') || head.startsWith('{')) {
    let checked = false;
    for await (const entry of jsonElements(rest)) {
      if ('error' in entry) {
        yield { line: entry.line, error: entry.error };
        continue;
      }
      if (entry.value === null || typeof entry.value !== 'object' || Array.isArray(entry.value)) {
        yield { line: entry.line, error: 'a row must be a JSON object' };
        continue;
      }
      if (!checked) {
        const missing = missingColumns(table, Object.keys(entry.value));
        if (missing.length > 0) throw new InvalidRecord(entry.line, `the rows have no ${missing.join(', ')} column`);
        checked = true;
      }
      yield { line: entry.line, row: entry.value as Row, bytes: entry.bytes };
    }
    return;
  }
  const parser = parse({ columns: true, bom: true, info: true, relax_column_count: true, skip_empty_lines: true });
  const feeding = (async () => {
    try {
      for await (const chunk of rest)
        if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  let checked = false;
  let read = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Row;
      info: { lines: number; bytes: number };
    }>) {
      if (!checked) {
        const missing = missingColumns(table, Object.keys(record));
        if (missing.length > 0) throw new InvalidRecord(1, `the CSV header has no ${missing.join(', ')} column`);
        checked = true;
      }
      yield { line: info.lines, row: record, bytes: info.bytes - read };
      read = info.bytes;
    }
  } catch (error) {
    if (error instanceof InvalidRecord) throw error;
    const line = (error as { lines?: number }).lines ?? 0;
    throw new InvalidRecord(line, `the CSV cannot be read: ${(error as Error).message}`);
  }
  await feeding;
}

/** A nullable JSON column: empty CSV text is NULL. */
const jsonColumn = (row: Row, column: string, fallback: JsonValue | null): JsonValue | null => {
  const value = row[column];
  if (value === undefined || value === '' || value === null) return fallback;
  return check.json(column, value);
};

/**
 * One `function_tools` entry as a tool part: the tool's name, its id as the call id, `tool_input` as the input and
 * `raw_output` as the output. The entry's other fields (observation, tool_labels, …) stay with the part, under
 * its provider metadata, so nothing is lost.
 */
function toolPart(entry: unknown, index: number): MessagePart {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new Error(`function_tools.${index}: must be an object`);
  }
  const { id, tool, raw_output, tool_input, ...rest } = entry as Record<string, unknown>;
  if (typeof tool !== 'string' || tool.length === 0)
    throw new Error(`function_tools.${index}.tool: must name the tool`);
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new Error(`function_tools.${index}.id: must be a string or number`);
  return {
    type: 'dynamic-tool',
    toolName: tool,
    toolCallId: String(id),
    state: 'output-available',
    input: tool_input ?? null,
    output: raw_output ?? null,
    ...(Object.keys(rest).length > 0 ? { callProviderMetadata: { supabase: rest as Record<string, JsonValue> } } : {}),
  } as MessagePart;
}

const PLACEHOLDER = /<nova3_tools\b[^>]*>\s*<\/nova3_tools>/g;

export function chatMessageRecord(row: Row, userId: string) {
  const role = check.role(row.role);
  const content = row.content === null || row.content === undefined ? null : check.text('content', row.content);
  const tools = jsonColumn(row, 'function_tools', []);
  if (!Array.isArray(tools)) throw new Error('function_tools: must be a JSON array');
  // The placeholders stay in `content`, where the seed's client renders each tool; the text around them is a part.
  const prose = (content ?? '').replace(PLACEHOLDER, '').trim();
  const parts = check.parts([...(prose ? [{ type: 'text', text: prose }] : []), ...tools.map(toolPart)]);
  const createdAt = check.time('created_at', row.created_at);
  return {
    type: 'message' as const,
    id: check.id('id', row.id),
    conversationId: check.id('project_id', row.project_id),
    userId,
    role,
    content,
    parts,
    attachments: null,
    metadata: {
      supabase: {
        reference_tools: jsonColumn(row, 'reference_tools', []),
        auto_select_tools: jsonColumn(row, 'auto_select_tools', []),
        llm_raw_output: jsonColumn(row, 'llm_raw_output', null),
      },
    },
    status: 'complete' as const,
    createdAt,
    updatedAt: createdAt,
    seq: null,
  };
}

function ownerOf(row: Row, userId: string | undefined): string {
  const owner = userId ?? row.user_id;
  if (typeof owner !== 'string' || owner.length === 0) throw new Error('user_id: missing, and no --user was given');
  return owner;
}

export function contextRecord(row: Row, userId: string | undefined) {
  const createdAt = check.time('created_at', row.created_at);
  return {
    type: 'context' as const,
    id: check.uuid('id', row.id),
    userId: ownerOf(row, userId),
    sessionId: check.id('session_id', row.session_id),
    action: check.text('action', row.action),
    contextData: check.object('context_data', row.context_data),
    metadata: check.object('metadata', jsonColumn(row, 'metadata', {})),
    createdAt,
    updatedAt: row.updated_at ? check.time('updated_at', row.updated_at) : createdAt,
    version: 1,
  };
}

export function noteRecord(row: Row, userId: string | undefined) {
  const createdAt = check.time('created_at', row.created_at);
  const status = row.select_status === undefined || row.select_status === '' ? 0 : Number(row.select_status);
  if (!Number.isInteger(status))
    throw new Error(`select_status: ${JSON.stringify(row.select_status)} is not an integer`);
  return {
    type: 'note' as const,
    id: check.uuid('id', row.id),
    userId: ownerOf(row, userId),
    sessionId: check.id('session_id', row.session_id),
    action: check.text('action', row.action),
    name: check.text('name', row.name),
    context: check.text('context', row.context),
    selectStatus: status,
    metadata: check.object('metadata', jsonColumn(row, 'metadata', {})),
    createdAt,
    updatedAt: row.updated_at ? check.time('updated_at', row.updated_at) : createdAt,
    version: 1,
  };
}

/** A Supabase table export as records; `userId` owns the rows (chat_messages has no user column of its own). */
export async function* supabaseSource(
  input: TextInput,
  table: SupabaseTable,
  userId: string | undefined,
): AsyncGenerator<SourceItem> {
  if (table === 'chat_messages' && !userId) throw new InvalidRecord(0, 'chat_messages rows name no user: give --user');
  for await (const entry of rows(input, table)) {
    if (entry.error !== undefined || !entry.row) {
      yield { line: entry.line, invalid: entry.error ?? 'empty row' };
      continue;
    }
    const row = entry.row;
    yield item(
      entry.line,
      () =>
        table === 'chat_messages'
          ? chatMessageRecord(row, userId as string)
          : table === 'contexts'
            ? contextRecord(row, userId)
            : noteRecord(row, userId),
      entry.bytes,
    );
  }
}
