// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import type { MessageDto, MessagePart } from '@threadstore/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { everyPartType } from '../../e2e/seed.ts';
import { copyText, MessageView } from './MessageView.tsx';
import { PartView } from './parts.tsx';

afterEach(cleanup);

const show = (part: Record<string, unknown>) => render(<PartView part={part as MessagePart} />).container;

describe('PartView', () => {
  it('renders tool calls as cards: name, state badge (approval states too), input, output, error', () => {
    const approval = show({
      type: 'tool-delete_file',
      toolCallId: 'c1',
      state: 'approval-requested',
      input: { path: '/tmp/x' },
      approval: { id: 'a1' },
    });
    expect(approval.querySelector('.tool-name')?.textContent).toBe('delete_file');
    expect(approval.querySelector('.badge')?.textContent).toBe('awaiting approval');
    expect(approval.querySelector('details')?.open).toBe(true);
    expect(approval.textContent).toContain('/tmp/x');

    const failed = show({
      type: 'dynamic-tool',
      toolName: 'run_sql',
      toolCallId: 'c2',
      state: 'output-error',
      errorText: 'boom',
    });
    expect(failed.querySelector('.tool-name')?.textContent).toBe('run_sql');
    expect(failed.querySelector('.tool-error')?.textContent).toBe('boom');

    const done = show({
      type: 'tool-search',
      toolCallId: 'c3',
      state: 'output-available',
      input: {},
      output: { hits: 2 },
    });
    expect(done.querySelector('details')?.open).toBe(false);
    expect(done.querySelector('.badge')?.textContent).toBe('done');
    expect(done.textContent).toContain('hits');

    // A tool-result WITH a state is the tool part of a tool named "result".
    expect(
      show({ type: 'tool-result', toolCallId: 'c4', state: 'input-available' }).querySelector('.tool-name')
        ?.textContent,
    ).toBe('result');
    expect(show({ type: 'tool-result', toolCallId: 'c5', toolName: 'lookup', output: 1 }).textContent).toContain(
      'lookup result',
    );
  });

  it('keeps reasoning collapsed, shows files with previews and downloads, and never links a script URL', () => {
    const reasoning = show({ type: 'reasoning', text: 'thinking hard' });
    expect(reasoning.querySelector('details')?.open).toBe(false);
    expect(reasoning.textContent).toContain('thinking hard');

    const image = show({ type: 'file', mediaType: 'image/png', url: 'https://example.com/a.png', filename: 'a.png' });
    expect(image.querySelector('img')?.getAttribute('src')).toBe('https://example.com/a.png');
    expect(image.querySelector('a[download]')?.getAttribute('download')).toBe('a.png');

    const evil = show({ type: 'file', mediaType: 'image/svg+xml', url: 'javascript:alert(1)', filename: 'x.svg' });
    expect(evil.querySelector('img')).toBeNull();
    expect(evil.querySelector('a')).toBeNull();
    expect(evil.textContent).toContain('x.svg');

    const source = show({ type: 'source-url', sourceId: 's', url: 'https://example.com', title: 'Example' });
    const link = source.querySelector('a');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('shows data parts, custom parts and unknown parts as JSON, and text while markdown loads', () => {
    expect(show({ type: 'data-weather', data: { city: '上海' } }).textContent).toContain('上海');
    expect(show({ type: 'custom', kind: 'note', x: 1 }).querySelector('.badge')?.textContent).toBe('custom: note');
    expect(show({ type: 'from-the-future', payload: [1, 2] }).querySelector('.badge')?.textContent).toBe(
      'from-the-future',
    );
    expect(show({ type: 'text', text: '你好 **world**' }).textContent).toContain('你好');
    expect(show({ type: 'text', text: 'still going', state: 'streaming' }).querySelector('.typing')).not.toBeNull();
  });

  it('renders every part type of the end-to-end fixture without throwing', () => {
    for (const { parts } of everyPartType()) {
      for (const part of parts) expect(() => show(part as Record<string, unknown>)).not.toThrow();
    }
  });
});

describe('MessageView', () => {
  const message: MessageDto = {
    id: 'm1',
    conversationId: 'c1',
    role: 'assistant',
    content: '',
    parts: [{ type: 'tool-x', toolCallId: 't', state: 'input-available', input: { a: 1 } } as MessagePart],
    attachments: null,
    metadata: null,
    status: 'streaming',
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
  };

  it('carries data-message-id, the role, the streaming state and a copy button', () => {
    const { container } = render(<MessageView message={message} highlighted={false} />);
    expect(container.querySelector('[data-message-id="m1"]')).not.toBeNull();
    expect(screen.getByText('Assistant')).toBeTruthy();
    expect(container.querySelector('[data-status="streaming"]')?.textContent).toBe('streaming…');
    expect(screen.getByRole('button', { name: 'Copy message' })).toBeTruthy();
  });

  it('copies the text, or the parts as JSON when there is no text', () => {
    expect(copyText({ ...message, content: 'hello' })).toBe('hello');
    expect(JSON.parse(copyText(message))).toEqual(message.parts);
  });
});
