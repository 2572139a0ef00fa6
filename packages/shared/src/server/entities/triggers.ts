import type { TriggerDef } from '@mikro-orm/core';

/**
 * The seeds keep `updated_at` current with a BEFORE UPDATE trigger, so raw SQL writes get it too, not only ORM
 * flushes. An update that sets `updated_at` itself keeps its value (imports carry their original times), and so
 * does bookkeeping that is no edit (a migration rewriting search documents) under KEEP_UPDATED_AT_SETTING.
 */
export function touchUpdatedAt(name: string): TriggerDef {
  return {
    name,
    timing: 'before',
    events: ['update'],
    forEach: 'row',
    body: `if new.updated_at is not distinct from old.updated_at and current_setting('threadstore.keep_updated_at', true) is distinct from 'on' then new.updated_at = now(); end if; return new;`,
  };
}

/** While this transaction-local setting is 'on', the triggers above leave `updated_at` alone. */
export const KEEP_UPDATED_AT_SETTING = 'threadstore.keep_updated_at';
