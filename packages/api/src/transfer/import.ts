import type { Database } from '@threadstore/shared/server';
import type { Kysely } from 'kysely';
import { inTransaction } from './db.ts';
import { InvalidRecord, type SourceItem, type TransferRecord } from './records.ts';
import { ConflictingRecord, emptyCounts, orderByCreatedAt, prepare, type WriteCounts, writeBatch } from './writer.ts';

export interface ImportOptions {
  /** Report bad records and go on, instead of stopping at the first one. */
  skipInvalid?: boolean;
  /** Records per transaction (a batch also ends at about 8 MiB of source text). */
  batchSize?: number;
  /** The source's rows carry their time but may come in any order: order each conversation by `created_at`. */
  orderByTime?: boolean;
  /** The records carry every field of their conversations (a threadstore export): no conversation time moves. */
  exact?: boolean;
  onProgress?: (progress: { records: number; line: number }) => void;
}

export interface ImportSummary extends WriteCounts {
  records: number;
  skipped: { line: number; reason: string }[];
  /** Conversations whose messages were put in time order afterwards. */
  reordered: number;
}

/**
 * Writes a source's records in batches, one transaction each. A bad record stops the import at its line (what
 * came before it is written, so the run can be finished later) unless `skipInvalid`, which reports it instead.
 */
export async function importRecords(
  kysely: Kysely<Database>,
  source: AsyncIterable<SourceItem>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 2000;
  const batchBytes = 8 * 1024 * 1024;
  let bytes = 0;
  const counts = emptyCounts();
  const skipped: ImportSummary['skipped'] = [];
  const touched = new Set<string>();
  let records = 0;
  let batch: TransferRecord[] = [];
  let batchLine = 0;
  // The batch before this one is written while this one is read and checked: the file's parsing and the
  // database's work overlap. Transactions still run one after another, in file order.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    if (batch.length === 0) return;
    const pending = batch;
    const line = batchLine;
    batch = [];
    writing = inTransaction(kysely, (trx) => writeBatch(trx, pending, counts, { touched, exact: options.exact })).catch(
      (error: unknown) => {
        if (error instanceof ConflictingRecord) {
          throw new InvalidRecord(line, `${error.message} (in the batch from here on)`);
        }
        throw error;
      },
    );
    // A failed write must not go unobserved while the next batch is read; it is thrown at the next await.
    writing.catch(() => {});
  };
  try {
    for await (const entry of source) {
      if ('invalid' in entry) {
        if (!options.skipInvalid) {
          await flush();
          await writing;
          throw new InvalidRecord(entry.line, entry.invalid);
        }
        skipped.push({ line: entry.line, reason: entry.invalid });
        continue;
      }
      if (batch.length === 0) batchLine = entry.line;
      prepare(entry.record);
      batch.push(entry.record);
      records += 1;
      bytes += entry.bytes ?? 0;
      // Reading a buffered file runs on microtasks alone; a turn of the event loop now and then lets the batch
      // in flight reach PostgreSQL (its socket drains) and its answer come back while this one is read.
      if (records % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (batch.length >= batchSize || bytes >= batchBytes) {
        bytes = 0;
        await flush();
        options.onProgress?.({ records, line: entry.line });
      }
    }
    await flush();
  } finally {
    // Whatever stopped the loop, the transaction in flight ends before the caller moves on (or closes the client).
    await writing.catch(() => {});
  }
  await writing;
  options.onProgress?.({ records, line: -1 });
  const reordered = options.orderByTime ? await orderByCreatedAt(kysely, [...touched]) : 0;
  return { ...counts, records, skipped, reordered };
}
