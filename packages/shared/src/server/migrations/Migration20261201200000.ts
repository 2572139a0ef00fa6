import { Migration } from '@mikro-orm/migrations';
import { KEEP_UPDATED_AT_SETTING } from '../entities/triggers.ts';

/** Rows of `messages` per statement: each batch is a short index-range update, not one pass over the table. */
const BATCH = 5000;

/**
 * Message search documents without their conversation's title. Until now every message's document ended with
 * the title (weight D, the only D lexemes in it), so a title word matched every message of the conversation and a
 * rename rewrote all of them. Titles are searched as conversations now; `ts_filter` keeps the A-C lexemes, so
 * nothing is tokenized again. A rewrite of a search document is no edit: `updated_at` stays.
 */
export class Migration20261201200000 extends Migration {
  override name = 'Migration20261201200000';

  override async up(): Promise<void> {
    await this.rewrite(`ts_filter(m.search, '{a,b,c}')`, `m.search <> ts_filter(m.search, '{a,b,c}')`);
  }

  override async down(): Promise<void> {
    await this.rewrite(
      '(select m.search || c.search from conversations c where c.uuid = m.conversation_uuid)',
      `exists (select 1 from conversations c where c.uuid = m.conversation_uuid and c.search <> ''::tsvector)`,
    );
  }

  private async rewrite(document: string, changed: string): Promise<void> {
    const [bounds] = (await this.execute('select min(id) as first, max(id) as last from messages')) as {
      first: string | number | null;
      last: string | number | null;
    }[];
    if (bounds?.first === null || bounds?.first === undefined || bounds.last === null) return;
    await this.execute(`select set_config('${KEEP_UPDATED_AT_SETTING}', 'on', true)`);
    for (let from = Number(bounds.first); from <= Number(bounds.last); from += BATCH) {
      await this.execute(`update messages m set search = ${document} where m.id >= ? and m.id < ? and ${changed}`, [
        from,
        from + BATCH,
      ]);
    }
    await this.execute(`select set_config('${KEEP_UPDATED_AT_SETTING}', 'off', true)`);
  }
}
