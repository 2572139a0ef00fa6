import { p } from '@mikro-orm/core';

/** A uuid key: made in JavaScript for ORM inserts, by the database default for raw SQL ones. */
export const uuidPrimaryKey = () =>
  p
    .uuid()
    .primary()
    .defaultRaw('gen_random_uuid()')
    .onCreate(() => crypto.randomUUID());

/** `created_at` / `updated_at` as the seeds declare them: timestamptz, default now(). */
export const timestampNow = () =>
  p
    .datetime()
    .defaultRaw('now()')
    .onCreate(() => new Date());
