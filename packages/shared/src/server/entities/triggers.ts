import type { TriggerDef } from '@mikro-orm/core';

/**
 * The seeds keep `updated_at` current with a BEFORE UPDATE trigger, so raw SQL writes get it too, not only ORM
 * flushes. An update that sets `updated_at` itself keeps its value: imports carry their original times.
 */
export function touchUpdatedAt(name: string): TriggerDef {
  return {
    name,
    timing: 'before',
    events: ['update'],
    forEach: 'row',
    body: 'if new.updated_at is not distinct from old.updated_at then new.updated_at = now(); end if; return new;',
  };
}
