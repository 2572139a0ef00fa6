import type { ConversationDto } from '@threadstore/shared';

export type SidebarRow =
  | { kind: 'header'; key: string; label: string }
  | { kind: 'conversation'; key: string; conversation: ConversationDto };

/** When a conversation last moved: its last message, or its creation when it has none. */
export const lastActivity = (conversation: ConversationDto): Date =>
  new Date(conversation.lastMessageAt ?? conversation.createdAt);

const DAY = 24 * 60 * 60 * 1000;

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/**
 * The sidebar's group of a date, in the browser's time zone: Today, Yesterday, Previous 7 days, Previous 30 days,
 * then one group per month ("November 2026"). Calendar days, not 24-hour spans: 00:30 today is Today.
 */
export function groupOf(date: Date, now: Date, locale?: string): { key: string; label: string } {
  const today = startOfDay(now);
  const day = startOfDay(date);
  if (day >= today) return { key: 'today', label: 'Today' };
  if (day >= today - DAY) return { key: 'yesterday', label: 'Yesterday' };
  if (day >= today - 7 * DAY) return { key: 'week', label: 'Previous 7 days' };
  if (day >= today - 30 * DAY) return { key: 'month', label: 'Previous 30 days' };
  const month = new Date(date.getFullYear(), date.getMonth(), 1);
  return {
    key: `m-${date.getFullYear()}-${date.getMonth() + 1}`,
    label: month.toLocaleDateString(locale, { year: 'numeric', month: 'long' }),
  };
}

/**
 * Headers and conversations as one flat list for a virtual scroller. The server orders pinned first, then by
 * last activity; pinned ones form their own group on top whatever their dates.
 */
export function groupConversations(
  conversations: readonly ConversationDto[],
  now: Date,
  locale?: string,
): SidebarRow[] {
  const rows: SidebarRow[] = [];
  let current: string | undefined;
  for (const conversation of conversations) {
    const group = conversation.pinned
      ? { key: 'pinned', label: 'Pinned' }
      : groupOf(lastActivity(conversation), now, locale);
    if (group.key !== current) {
      rows.push({ kind: 'header', key: `h-${group.key}`, label: group.label });
      current = group.key;
    }
    rows.push({ kind: 'conversation', key: conversation.id, conversation });
  }
  return rows;
}

/** "14:05" today, "Mon" this week, "3 Nov" this year, "3 Nov 2024" before. */
export function formatActivity(date: Date, now: Date, locale?: string, hour12?: boolean): string {
  const days = (startOfDay(now) - startOfDay(date)) / DAY;
  if (days <= 0) return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12 });
  if (days < 7) return date.toLocaleDateString(locale, { weekday: 'short' });
  if (date.getFullYear() === now.getFullYear())
    return date.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
  return date.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
}
