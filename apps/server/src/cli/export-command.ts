import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { conversationMarkdown, EXPORT_HEADER, exportRecords, type TransferRecord } from '@threadstore/api/transfer';
import { Command } from 'commander';
import { withDatabase } from './database.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { Output } from './output.ts';

interface ExportFlags {
  user?: string;
  conversation?: string;
  since?: string;
  format: string;
  output?: string;
}

type Conversation = Extract<TransferRecord, { type: 'conversation' }>;
type Message = Extract<TransferRecord, { type: 'message' }>;

const fileName = (c: Conversation) => `${c.userId.replace(/[^A-Za-z0-9_.-]/g, '_')}--${c.id}.md`;

async function runExport(flags: ExportFlags, out: Output): Promise<void> {
  if (flags.format !== 'jsonl' && flags.format !== 'markdown') {
    throw new CliError(EXIT.usage, `--format: ${flags.format} is not jsonl or markdown`);
  }
  if (flags.conversation && !flags.user)
    throw new CliError(EXIT.usage, '--conversation needs --user (whose conversation)');
  if (flags.since !== undefined && Number.isNaN(new Date(flags.since).getTime())) {
    throw new CliError(EXIT.badInput, `--since: ${flags.since} is not a time`);
  }
  if (flags.format === 'markdown') {
    if (!flags.output) throw new CliError(EXIT.usage, 'a Markdown export is a folder: give --output <folder>');
    if (existsSync(flags.output) && !statSync(flags.output).isDirectory()) {
      throw new CliError(EXIT.badInput, `--output: ${flags.output} is a file, not a folder`);
    }
    mkdirSync(flags.output, { recursive: true });
  }
  const scope = { userId: flags.user, conversationId: flags.conversation, since: flags.since };
  const counts = { conversations: 0, messages: 0, contexts: 0, notes: 0 };
  const started = performance.now();
  await withDatabase(async (db) => {
    const transfer = db.transfer();
    const bar = out.progress('exporting');
    let records = 0;
    if (flags.format === 'markdown') {
      let current: Conversation | undefined;
      let messages: Message[] = [];
      const write = () => {
        if (current)
          writeFileSync(path.join(flags.output as string, fileName(current)), conversationMarkdown(current, messages));
      };
      for await (const record of exportRecords(transfer, scope)) {
        if (record.type === 'conversation') {
          write();
          current = record;
          messages = [];
        } else if (record.type === 'message') messages.push(record);
        counts[`${record.type}s`] += 1;
        if (++records % 2000 === 0) bar.update(0, records);
      }
      write();
    } else {
      const sink: Writable = flags.output ? createWriteStream(flags.output) : process.stdout;
      const put = async (line: string) => {
        if (!sink.write(line)) await once(sink, 'drain');
      };
      await put(`${JSON.stringify(EXPORT_HEADER)}\n`);
      for await (const record of exportRecords(transfer, scope)) {
        await put(`${JSON.stringify(record)}\n`);
        counts[`${record.type}s`] += 1;
        if (++records % 2000 === 0) bar.update(0, records);
      }
      if (sink !== process.stdout) {
        sink.end();
        await once(sink, 'finish');
      }
    }
    bar.end();
  });
  if (flags.conversation && counts.conversations === 0) {
    throw new CliError(EXIT.notFound, `user ${flags.user} has no conversation ${flags.conversation}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    ...counts,
    format: flags.format,
    output: flags.output ?? null,
    seconds: Number(seconds.toFixed(3)),
  };
  // A JSON Lines export to stdout is the result itself: the summary goes to stderr then.
  if (!flags.output && flags.format === 'jsonl') {
    if (!out.json)
      process.stderr.write(`exported ${counts.messages} messages of ${counts.conversations} conversations\n`);
    return;
  }
  out.result(
    summary,
    `exported ${counts.conversations} conversations, ${counts.messages} messages, ${counts.contexts} contexts, ${counts.notes} notes to ${flags.output} in ${seconds.toFixed(1)} s`,
  );
}

export function exportCommand(output: () => Output): Command {
  return new Command('export')
    .description(
      'take history out: JSON Lines (lossless, for `import threadstore`) or Markdown (one file per conversation)',
    )
    .option('--user <userId>', "only this user's history")
    .option('--conversation <id>', 'only this conversation (with --user)')
    .option('--since <time>', 'only conversations active since then (ISO 8601)')
    .option('--format <format>', 'jsonl or markdown', 'jsonl')
    .option('--output <path>', 'the file (jsonl; stdout without it) or folder (markdown)')
    .action((flags) => runExport(flags, output()));
}
