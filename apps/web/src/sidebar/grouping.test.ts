import type { ConversationDto } from '@threadstore/shared';
import { describe, expect, it } from 'vitest';
import { formatActivity, groupConversations, groupOf } from './grouping.ts';

const now = new Date(2026, 11, 1, 0, 30); // 1 December 2026, 00:30 local time

function conversation(id: string, lastMessageAt: Date | null, extra: Partial<ConversationDto> = {}): ConversationDto {
  return {
    id,
    userId: 'u',
    title: id,
    metadata: null,
    pinned: false,
    tags: [],
    archivedAt: null,
    deletedAt: null,
    lastMessageAt: lastMessageAt?.toISOString() ?? null,
    messageCount: 1,
    version: 1,
    createdAt: new Date(2020, 0, 1).toISOString(),
    updatedAt: new Date(2020, 0, 1).toISOString(),
    ...extra,
  };
}

describe('groupOf', () => {
  it('counts calendar days in local time, not 24-hour spans', () => {
    expect(groupOf(new Date(2026, 11, 1, 0, 1), now).label).toBe('Today');
    expect(groupOf(new Date(2026, 10, 30, 23, 59), now).label).toBe('Yesterday');
    expect(groupOf(new Date(2026, 10, 30, 0, 0), now).label).toBe('Yesterday');
    expect(groupOf(new Date(2026, 10, 29, 23, 59), now).label).toBe('Previous 7 days');
    expect(groupOf(new Date(2026, 10, 24), now).label).toBe('Previous 7 days');
    expect(groupOf(new Date(2026, 10, 23), now).label).toBe('Previous 30 days');
    expect(groupOf(new Date(2026, 10, 1), now).label).toBe('Previous 30 days');
    expect(groupOf(new Date(2026, 9, 31), now, 'en-GB').label).toBe('October 2026');
    expect(groupOf(new Date(2024, 1, 29), now, 'en-GB')).toEqual({ key: 'm-2024-2', label: 'February 2024' });
    // A clock a little ahead of the server's is still today.
    expect(groupOf(new Date(2026, 11, 1, 0, 45), now).label).toBe('Today');
  });
});

describe('groupConversations', () => {
  it('puts pinned ones in their own group on top, then one header per group, in the order given', () => {
    const rows = groupConversations(
      [
        conversation('pinned-old', new Date(2025, 0, 5), { pinned: true }),
        conversation('today', new Date(2026, 11, 1, 0, 10)),
        conversation('today-2', new Date(2026, 11, 1, 0, 5)),
        conversation('week', new Date(2026, 10, 27)),
        conversation('older', new Date(2026, 3, 2)),
        conversation('never-written', null, { createdAt: new Date(2026, 3, 1).toISOString() }),
      ],
      now,
      'en-GB',
    );
    expect(rows.map((row) => (row.kind === 'header' ? `# ${row.label}` : row.key))).toEqual([
      '# Pinned',
      'pinned-old',
      '# Today',
      'today',
      'today-2',
      '# Previous 7 days',
      'week',
      '# April 2026',
      'older',
      'never-written',
    ]);
    expect(new Set(rows.map((row) => row.key)).size).toBe(rows.length);
  });

  it('is empty for no conversations', () => {
    expect(groupConversations([], now)).toEqual([]);
  });
});

describe('formatActivity', () => {
  it('shows the time today, the weekday this week, the date before', () => {
    expect(formatActivity(new Date(2026, 11, 1, 0, 10), now, 'en-GB')).toBe('00:10');
    expect(formatActivity(new Date(2026, 10, 28), now, 'en-GB')).toBe('Sat');
    expect(formatActivity(new Date(2026, 2, 3), now, 'en-GB')).toBe('3 Mar');
    expect(formatActivity(new Date(2024, 2, 3), now, 'en-GB')).toBe('3 Mar 2024');
  });
});
