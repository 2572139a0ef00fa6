import type { ConversationDto, MessageDto } from '@threadstore/shared';
import { describe, expect, it } from 'vitest';
import { menuItems } from './ConversationMenu.tsx';
import { conversationMarkdown, toJsonExport } from './export.ts';

const conversation = (extra: Partial<ConversationDto> = {}): ConversationDto => ({
  id: 'c1',
  userId: 'u',
  title: '周报',
  metadata: null,
  pinned: false,
  tags: ['work'],
  archivedAt: null,
  deletedAt: null,
  lastMessageAt: null,
  messageCount: 2,
  version: 1,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...extra,
});
const message = (id: string, role: MessageDto['role'], parts: MessageDto['parts']): MessageDto =>
  ({
    id,
    conversationId: 'c1',
    role,
    parts,
    content: '',
    status: 'complete',
    createdAt: '2026-12-01T10:00:00.000Z',
  }) as unknown as MessageDto;

describe('Markdown export', () => {
  it('has roles, times, text, and tool calls as fenced JSON that a backtick inside cannot end', () => {
    const text = conversationMarkdown(
      {
        conversation: conversation(),
        messages: [
          message('m1', 'user', [{ type: 'text', text: 'Hello' }]),
          message('m2', 'assistant', [
            { type: 'tool-run', toolCallId: 't1', state: 'output-available', input: { code: '```' }, output: 1 },
          ] as MessageDto['parts']),
        ],
        contexts: [],
        notes: [],
      },
      () => 'TIME',
    );
    expect(text).toContain('# 周报');
    expect(text).toContain('- Tags: work');
    expect(text).toContain('## user · TIME\n\nHello');
    expect(text).toContain('**Tool call `run`** (output-available)');
    expect(text).toContain('````json\n{\n  "toolCallId": "t1"');
    expect(text).toContain('"code": "```"\n  },\n  "output": 1\n}\n````');
  });

  it('JSON export is the threadstore.conversations envelope around the DTOs', () => {
    const bundle = { conversation: conversation(), messages: [], contexts: [], notes: [] };
    expect(toJsonExport([bundle], new Date('2026-12-02T00:00:00Z'))).toEqual({
      format: 'threadstore.conversations',
      version: 1,
      exportedAt: '2026-12-02T00:00:00.000Z',
      conversations: [bundle],
    });
  });
});

describe('conversation menu', () => {
  it('offers open and rename for one, bulk actions for many, restore and purge in the trash', () => {
    const one = menuItems([conversation()], 'all').map((item) => item.action);
    expect(one).toEqual(['open', 'rename', 'pin', 'archive', 'export-markdown', 'export-json', 'delete']);
    const many = menuItems([conversation({ pinned: true }), conversation({ id: 'c2', pinned: true })], 'archived');
    expect(many.map((item) => item.label)).toEqual([
      'Unpin 2',
      'Unarchive 2',
      'Export as Markdown',
      'Export as JSON',
      'Delete 2',
    ]);
    expect(menuItems([conversation()], 'trash').map((item) => item.action)).toEqual(['restore', 'purge']);
  });
});
