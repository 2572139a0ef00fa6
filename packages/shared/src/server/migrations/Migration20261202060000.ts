import { Migration } from '@mikro-orm/migrations';

/**
 * Contexts and notes detect replays as conversations and messages do: by the request hash of the write that
 * created them (a later change clears it, so replaying the original write after an edit is a conflict, as it
 * was when replays compared the stored payload). Rows written before this migration have none: a replay of
 * such a write is refused as a reuse of its id.
 */
export class Migration20261202060000 extends Migration {
  override name = 'Migration20261202060000';

  override async up(): Promise<void> {
    await this.execute(`alter table "contexts" add column "request_hash" varchar(64) null;`);
    await this.execute(`alter table "notes" add column "request_hash" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    await this.execute(`alter table "contexts" drop column "request_hash";`);
    await this.execute(`alter table "notes" drop column "request_hash";`);
  }
}
