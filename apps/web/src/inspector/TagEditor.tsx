import type { ConversationDto } from '@threadstore/shared';
import { useState } from 'react';

/** Chips with a remove button and an input that adds on Enter. */
export function TagEditor({
  conversation,
  onChange,
}: {
  conversation: ConversationDto;
  onChange(tags: string[]): void;
}) {
  const [text, setText] = useState('');
  const add = () => {
    const tag = text.trim();
    setText('');
    if (tag && !conversation.tags.includes(tag)) onChange([...conversation.tags, tag]);
  };
  return (
    <div className="tag-editor">
      {conversation.tags.map((tag) => (
        <span key={tag} className="tag" data-tag={tag}>
          {tag}
          <button
            type="button"
            aria-label={`Remove tag ${tag}`}
            onClick={() => onChange(conversation.tags.filter((item) => item !== tag))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        className="tag-input"
        aria-label="Add a tag"
        placeholder="add tag"
        maxLength={64}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            add();
          }
        }}
      />
    </div>
  );
}
