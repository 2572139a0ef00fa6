import pg from 'pg';
import { check, InvalidRecord, item, type SourceItem, uuidFromName } from '../records.ts';

const ROLES: Record<string, 'user' | 'assistant' | 'system' | 'tool'> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
  generic: 'user',
};

/**
 * LangChain's `PostgresChatMessageHistory` table (`id serial, session_id varchar, message jsonb`), read in id
 * order straight from the peer's database. The table has no times and no message ids: a message's id is made
 * from the table and row id, so a second run finds the rows of the first; the session id is the conversation's
 * id when it is one, else a uuid made from it (the original stays in metadata).
 */
export async function* langchainSource(
  databaseUrl: string,
  table: string,
  userId: string,
  now = new Date().toISOString(),
): AsyncGenerator<SourceItem> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new InvalidRecord(0, `cannot reach the LangChain database: ${(error as Error).message}`);
  }
  try {
    // LangChain's table, not our schema (no `Database` type covers it): a parameterised query through pg itself,
    // the table's name quoted by pg as an identifier, since a parameter cannot name a table.
    const name = pg.escapeIdentifier(table);
    for (let after = 0; ; ) {
      let rows: { id: number; session_id: string; message: Record<string, unknown> }[];
      try {
        rows = (
          await client.query(`select id, session_id, message from ${name} where id > $1 order by id limit 2000`, [
            after,
          ])
        ).rows;
      } catch (error) {
        throw new InvalidRecord(0, `cannot read table ${table}: ${(error as Error).message}`);
      }
      for (const row of rows) {
        yield item(row.id, () => {
          const { type, content, ...rest } = row.message;
          const role = ROLES[String(type)];
          if (!role) throw new Error(`message.type: ${JSON.stringify(type)} is not a LangChain message type`);
          const text =
            typeof content === 'string'
              ? content
              : Array.isArray(content)
                ? content
                    .map((block) => (typeof block === 'string' ? block : ((block as { text?: string }).text ?? '')))
                    .join('')
                : '';
          let conversationId: string;
          try {
            conversationId = check.id('session_id', row.session_id);
          } catch {
            conversationId = uuidFromName(`langchain-session:${row.session_id}`);
          }
          return {
            type: 'message',
            id: uuidFromName(`langchain:${table}:${row.id}`),
            conversationId,
            userId,
            role,
            content: text,
            parts: text ? [{ type: 'text', text }] : [],
            attachments: null,
            metadata: {
              langchain: {
                id: row.id,
                sessionId: row.session_id,
                type,
                ...(typeof content === 'string' ? {} : { content }),
                ...rest,
              },
            } as never,
            status: 'complete',
            createdAt: now,
            updatedAt: now,
            seq: null,
          };
        });
      }
      if (rows.length < 2000) return;
      after = Number(rows.at(-1)?.id);
    }
  } finally {
    await client.end();
  }
}
