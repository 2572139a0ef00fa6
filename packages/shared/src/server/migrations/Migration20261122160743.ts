import { Migration } from '@mikro-orm/migrations';

/** The seeds' four tables (with the spec's additions) and the api_tokens table. */
export class Migration20261122160743 extends Migration {
  override name = 'Migration20261122160743';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "api_tokens" ("id" uuid not null default gen_random_uuid(), "token_hash" varchar(64) not null, "kind" varchar(16) not null, "user_id" varchar(255) null, "label" varchar(255) null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`alter table "api_tokens" add constraint "idx_api_tokens_token_hash" unique ("token_hash");`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_kind_check" check (kind in ('user', 'service'));`);
    this.addSql(
      `alter table "api_tokens" add constraint "api_tokens_user_has_user_id_check" check (kind <> 'user' or user_id is not null);`,
    );

    this.addSql(
      `create table "conversations" ("id" bigserial primary key, "uuid" uuid not null default gen_random_uuid(), "title" varchar(500) null, "user_id" varchar(255) not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "metadata" jsonb null, "pinned" boolean not null default false, "archived_at" timestamptz null, "deleted_at" timestamptz null, "tags" text[] not null default '{}', "version" int not null default 1, "last_message_at" timestamptz null, "message_count" int not null default 0, "message_seq" bigint not null default '0', "request_hash" varchar(64) null);`,
    );
    this.addSql(`alter table "conversations" add constraint "idx_conversations_uuid" unique ("uuid");`);
    this.addSql(`create index "idx_conversations_user_id" on "conversations" ("user_id");`);
    this.addSql(`create index "idx_conversations_updated_at" on "conversations" ("updated_at" desc);`);
    this.addSql(
      `create index "idx_conversations_user_activity" on "conversations" ("user_id", "pinned" desc, (coalesce("last_message_at", "created_at")) desc, "uuid" desc);`,
    );
    this.addSql(`create index "idx_conversations_tags" on "conversations" using gin ("tags");`);
    this.addSql(
      `create or replace function "conversations_update_conversations_updated_at_fn"() returns trigger as $$ begin if new.updated_at is not distinct from old.updated_at and current_setting('threadstore.keep_updated_at', true) is distinct from 'on' then new.updated_at = now(); end if; return new; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "update_conversations_updated_at" BEFORE UPDATE on "conversations" for each ROW execute function "conversations_update_conversations_updated_at_fn"();`,
    );

    this.addSql(
      `create table "contexts" ("id" uuid not null default gen_random_uuid(), "user_id" text not null, "session_id" uuid not null, "action" text not null, "context_data" jsonb not null, "metadata" jsonb not null default '{}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, primary key ("id"));`,
    );
    this.addSql(`create index "idx_contexts_action" on "contexts" ("action");`);
    this.addSql(`create index "idx_contexts_updated_at" on "contexts" ("updated_at");`);
    this.addSql(`create index "idx_contexts_user_session" on "contexts" ("user_id", "session_id");`);
    this.addSql(
      `alter table "contexts" add constraint "contexts_unique_user_session_action" unique ("user_id", "session_id", "action");`,
    );
    this.addSql(
      `create or replace function "contexts_update_contexts_updated_at_fn"() returns trigger as $$ begin if new.updated_at is not distinct from old.updated_at and current_setting('threadstore.keep_updated_at', true) is distinct from 'on' then new.updated_at = now(); end if; return new; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "update_contexts_updated_at" BEFORE UPDATE on "contexts" for each ROW execute function "contexts_update_contexts_updated_at_fn"();`,
    );

    this.addSql(
      `create table "messages" ("id" bigserial primary key, "uuid" uuid not null default gen_random_uuid(), "conversation_uuid" uuid not null, "role" varchar(50) not null, "content" text null, "parts" jsonb not null, "attachments" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "metadata" jsonb null, "status" varchar(16) not null default 'complete', "seq" bigint not null, "request_hash" varchar(64) null);`,
    );
    this.addSql(`alter table "messages" add constraint "idx_messages_uuid" unique ("uuid");`);
    this.addSql(`create index "idx_messages_conversation_uuid" on "messages" ("conversation_uuid");`);
    this.addSql(`create index "idx_messages_role" on "messages" ("role");`);
    this.addSql(`create index "idx_messages_created_at" on "messages" ("created_at");`);
    this.addSql(`create index "idx_messages_conv_uuid_time" on "messages" ("conversation_uuid", "created_at" desc);`);
    this.addSql(`create index "idx_messages_parts_gin" on "messages" using gin ("parts");`);
    this.addSql(`create index "idx_messages_streaming" on "messages" ("updated_at") where "status" = 'streaming';`);
    this.addSql(
      `alter table "messages" add constraint "uq_messages_conversation_seq" unique ("conversation_uuid", "seq");`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_role_check" check (role in ('user', 'assistant', 'system', 'tool'));`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_status_check" check (status in ('streaming', 'complete', 'aborted', 'error'));`,
    );
    this.addSql(
      `alter table "messages" add constraint "messages_parts_array_check" check (jsonb_typeof(parts) = 'array');`,
    );
    this.addSql(
      `create or replace function "messages_update_messages_updated_at_fn"() returns trigger as $$ begin if new.updated_at is not distinct from old.updated_at and current_setting('threadstore.keep_updated_at', true) is distinct from 'on' then new.updated_at = now(); end if; return new; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "update_messages_updated_at" BEFORE UPDATE on "messages" for each ROW execute function "messages_update_messages_updated_at_fn"();`,
    );

    this.addSql(
      `create table "notes" ("id" uuid not null default gen_random_uuid(), "user_id" text not null, "session_id" uuid not null, "action" text not null, "name" text not null, "context" text not null, "select_status" int not null default 0, "metadata" jsonb not null default '{}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, primary key ("id"));`,
    );
    this.addSql(`create index "idx_notes_action" on "notes" ("action");`);
    this.addSql(`create index "idx_notes_name" on "notes" ("name");`);
    this.addSql(`create index "idx_notes_select_status" on "notes" ("select_status");`);
    this.addSql(`create index "idx_notes_user_session" on "notes" ("user_id", "session_id");`);
    this.addSql(
      `alter table "notes" add constraint "notes_unique_user_session_name" unique ("user_id", "session_id", "name");`,
    );
    this.addSql(
      `create or replace function "notes_update_notes_updated_at_fn"() returns trigger as $$ begin if new.updated_at is not distinct from old.updated_at and current_setting('threadstore.keep_updated_at', true) is distinct from 'on' then new.updated_at = now(); end if; return new; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "update_notes_updated_at" BEFORE UPDATE on "notes" for each ROW execute function "notes_update_notes_updated_at_fn"();`,
    );

    this.addSql(
      `alter table "contexts" add constraint "contexts_session_id_foreign" foreign key ("session_id") references "conversations" ("uuid") on delete cascade;`,
    );

    this.addSql(
      `alter table "messages" add constraint "messages_conversation_uuid_foreign" foreign key ("conversation_uuid") references "conversations" ("uuid") on delete cascade;`,
    );

    this.addSql(
      `alter table "notes" add constraint "notes_session_id_foreign" foreign key ("session_id") references "conversations" ("uuid") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "notes" cascade;`);
    this.addSql(`drop table if exists "contexts" cascade;`);
    this.addSql(`drop table if exists "messages" cascade;`);
    this.addSql(`drop table if exists "conversations" cascade;`);
    this.addSql(`drop table if exists "api_tokens" cascade;`);
    this.addSql(`drop function if exists "notes_update_notes_updated_at_fn"();`);
    this.addSql(`drop function if exists "contexts_update_contexts_updated_at_fn"();`);
    this.addSql(`drop function if exists "messages_update_messages_updated_at_fn"();`);
    this.addSql(`drop function if exists "conversations_update_conversations_updated_at_fn"();`);
  }
}
