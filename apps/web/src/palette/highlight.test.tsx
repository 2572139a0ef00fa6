// @vitest-environment happy-dom
import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { groupHits, highlightSnippet } from './highlight.tsx';

describe('highlightSnippet', () => {
  it('marks the ranges the API gives, in UTF-16 units, and leaves the rest as text', () => {
    const snippet = '…我们讨论了数据库迁移的方案 and the database';
    const { container } = render(
      <p>
        {highlightSnippet(snippet, [
          { start: snippet.indexOf('database'), end: snippet.indexOf('database') + 8 },
          { start: snippet.indexOf('数据库'), end: snippet.indexOf('数据库') + 5 },
        ])}
      </p>,
    );
    expect([...container.querySelectorAll('mark')].map((mark) => mark.textContent)).toEqual(['数据库迁移', 'database']);
    expect(container.textContent).toBe(snippet);
  });

  it('skips overlapping and empty ranges instead of repeating text', () => {
    const { container } = render(
      <p>
        {highlightSnippet('abcdef', [
          { start: 1, end: 4 },
          { start: 2, end: 3 },
          { start: 5, end: 5 },
        ])}
      </p>,
    );
    expect(container.textContent).toBe('abcdef');
    expect(container.querySelectorAll('mark')).toHaveLength(1);
  });
});

describe('groupHits', () => {
  it('groups by conversation in the order of each group’s best hit', () => {
    const hit = (id: string, conversation: string) => ({ id, conversation: { id: conversation, title: conversation } });
    const groups = groupHits([hit('1', 'a'), hit('2', 'b'), hit('3', 'a'), hit('4', 'c'), hit('5', 'b')]);
    expect(groups.map((group) => [group.conversationId, group.hits.map((item) => item.id)])).toEqual([
      ['a', ['1', '3']],
      ['b', ['2', '5']],
      ['c', ['4']],
    ]);
  });
});
