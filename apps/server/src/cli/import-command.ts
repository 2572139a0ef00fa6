import { existsSync, statSync } from 'node:fs';
import {
  chatgptFile,
  chatgptSource,
  type ImportSummary,
  InvalidRecord,
  importRecords,
  langchainSource,
  type SourceItem,
  supabaseSource,
  threadstoreSource,
  uiMessagesSource,
} from '@threadstore/api/transfer';
import { Command } from 'commander';
import { withDatabase } from './database.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { Output } from './output.ts';

interface ImportFlags {
  user?: string;
  conversation?: string;
  databaseUrl?: string;
  table?: string;
  skipInvalid?: boolean;
  batchSize?: string;
}

/** The bytes read so far, for the progress bar's share of the file. */
function counted(file: string, read: { bytes: number }) {
  return (async function* () {
    const { createReadStream } = await import('node:fs');
    for await (const chunk of createReadStream(file)) {
      read.bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  })();
}

const needUser = (flags: ImportFlags, what: string) => {
  if (!flags.user) throw new CliError(EXIT.usage, `${what} names no user: give --user <userId>`);
  return flags.user;
};

type Kind =
  | 'supabase'
  | 'supabase-contexts'
  | 'supabase-notes'
  | 'uimessages'
  | 'langchain'
  | 'chatgpt'
  | 'threadstore';

async function runImport(kind: Kind, file: string | undefined, flags: ImportFlags, out: Output): Promise<void> {
  if (file !== undefined && !existsSync(file)) throw new CliError(EXIT.notFound, `${file}: no such file`);
  const batchSize = flags.batchSize === undefined ? undefined : Number(flags.batchSize);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new CliError(EXIT.usage, `--batch-size: ${flags.batchSize} is not a positive whole number`);
  }
  const read = { bytes: 0 };
  const path = file as string;
  const source = (): AsyncIterable<SourceItem> => {
    switch (kind) {
      case 'supabase':
        return supabaseSource(counted(path, read), 'chat_messages', needUser(flags, 'chat_messages'));
      case 'supabase-contexts':
        return supabaseSource(counted(path, read), 'contexts', flags.user);
      case 'supabase-notes':
        return supabaseSource(counted(path, read), 'notes', flags.user);
      case 'uimessages':
        return uiMessagesSource(counted(path, read), needUser(flags, 'a UIMessage file'), flags.conversation);
      case 'chatgpt':
        return (async function* () {
          yield* chatgptSource(await chatgptFile(path), needUser(flags, 'a ChatGPT export'));
        })();
      case 'threadstore':
        return threadstoreSource(counted(path, read));
      case 'langchain':
        if (!flags.databaseUrl) throw new CliError(EXIT.usage, 'give --database-url <url> of the LangChain database');
        return langchainSource(
          flags.databaseUrl,
          flags.table ?? 'langchain_chat_histories',
          needUser(flags, 'a LangChain table'),
        );
    }
  };
  const records = source();
  const total = file === undefined ? undefined : statSync(file).size;
  const where = file ?? `table ${flags.table ?? 'langchain_chat_histories'}`;
  const summary = await withDatabase(async (db) => {
    const bar = out.progress(`importing ${where}`, kind === 'chatgpt' ? undefined : total);
    try {
      return await importRecords(db.transfer(), records, {
        skipInvalid: flags.skipInvalid,
        batchSize,
        orderByTime: kind === 'supabase',
        exact: kind === 'threadstore',
        onProgress: ({ records: done }) => bar.update(read.bytes, done),
      });
    } catch (error) {
      if (!(error instanceof InvalidRecord)) throw error;
      const at = error.line > 0 ? `${where}:${error.line}` : where;
      throw new CliError(
        EXIT.badInput,
        `${at}: ${error.message}\nrecords before it are imported; fix it (or add --skip-invalid) and run the same import again to finish`,
      );
    } finally {
      bar.end();
    }
  });
  out.result(summary, () => describe(summary));
}

function describe(summary: ImportSummary): string {
  const lines = [
    `imported ${summary.messages} messages, ${summary.conversations} conversations, ${summary.contexts} contexts, ${summary.notes} notes` +
      ` (${summary.records} records read, ${summary.existing} already there)`,
  ];
  if (summary.reordered > 0) lines.push(`put ${summary.reordered} conversation(s) in created_at order`);
  if (summary.skipped.length > 0) {
    lines.push(`skipped ${summary.skipped.length} invalid record(s):`);
    for (const { line, reason } of summary.skipped) lines.push(`  line ${line}: ${reason}`);
  }
  return lines.join('\n');
}

export function importCommand(output: () => Output): Command {
  const command = new Command('import').description(
    'bring history in (resumable: run it again to finish or to no effect)',
  );
  const add = (kind: Kind, description: string, withFile = true) => {
    const sub = command.command(withFile ? `${kind} <file>` : kind).description(description);
    sub
      .option('--user <userId>', 'whose history this is')
      .option('--skip-invalid', 'report bad records and go on instead of stopping at the first')
      .option('--batch-size <n>', 'records per transaction (default 2000)');
    return sub;
  };
  add('supabase', "the second seed's chat_messages rows (CSV or JSON); --user required").action((file, flags) =>
    runImport('supabase', file, flags, output()),
  );
  add('supabase-contexts', "the seed's contexts rows (CSV or JSON)").action((file, flags) =>
    runImport('supabase-contexts', file, flags, output()),
  );
  add('supabase-notes', "the seed's notes rows (CSV or JSON)").action((file, flags) =>
    runImport('supabase-notes', file, flags, output()),
  );
  add('uimessages', 'AI SDK UIMessage[] (with --conversation) or { chatId: UIMessage[] }')
    .option('--conversation <id>', 'the conversation of a plain UIMessage[]')
    .action((file, flags) => runImport('uimessages', file, flags, output()));
  add('langchain', "LangChain PostgresChatMessageHistory's table, read from its database", false)
    .option('--database-url <url>', 'the LangChain database')
    .option('--table <name>', 'the table (default langchain_chat_histories)')
    .action((flags) => runImport('langchain', undefined, flags, output()));
  add('chatgpt', "ChatGPT's data export: conversations.json or the export zip").action((file, flags) =>
    runImport('chatgpt', file, flags, output()),
  );
  add('threadstore', 'a threadstore export (JSON Lines), restored as it was').action((file, flags) =>
    runImport('threadstore', file, flags, output()),
  );
  return command;
}
