import type { TriggerDef } from '@mikro-orm/core';

/** The seeds keep `updated_at` current with a BEFORE UPDATE trigger; raw SQL writes get it too, not only ORM flushes. */
export function touchUpdatedAt(name: string): TriggerDef {
  return {
    name,
    timing: 'before',
    events: ['update'],
    forEach: 'row',
    body: 'new.updated_at = now(); return new;',
  };
}
