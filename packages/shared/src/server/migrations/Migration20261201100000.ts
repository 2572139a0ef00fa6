import { Migration } from '@mikro-orm/migrations';

/**
 * Client ids (issue 15): a conversation or message id that is not a uuid, such as the AI SDK's `generateId()`
 * chat and message ids, is kept in `client_id`; the row gets a uuid of its own as before, so every foreign key
 * and the seeds' uuid columns stay as they are. A conversation's client id is unique per user, a message's
 * across the store (as message uuids are).
 */
export class Migration20261201100000 extends Migration {
  override name = 'Migration20261201100000';

  override up(): void {
    this.addSql(`alter table "conversations" add column "client_id" varchar(128) null;`);
    this.addSql(
      `alter table "conversations" add constraint "conversations_client_id_check" check (client_id ~ '^[A-Za-z0-9_-]{1,128}$');`,
    );
    this.addSql(
      `alter table "conversations" add constraint "uq_conversations_user_client_id" unique ("user_id", "client_id");`,
    );
    this.addSql(`alter table "messages" add column "client_id" varchar(128) null;`);
    this.addSql(
      `alter table "messages" add constraint "messages_client_id_check" check (client_id ~ '^[A-Za-z0-9_-]{1,128}$');`,
    );
    this.addSql(`alter table "messages" add constraint "uq_messages_client_id" unique ("client_id");`);
  }

  override down(): void {
    this.addSql(`alter table "messages" drop constraint if exists "uq_messages_client_id";`);
    this.addSql(`alter table "messages" drop constraint if exists "messages_client_id_check";`);
    this.addSql(`alter table "messages" drop column if exists "client_id";`);
    this.addSql(`alter table "conversations" drop constraint if exists "uq_conversations_user_client_id";`);
    this.addSql(`alter table "conversations" drop constraint if exists "conversations_client_id_check";`);
    this.addSql(`alter table "conversations" drop column if exists "client_id";`);
  }
}
