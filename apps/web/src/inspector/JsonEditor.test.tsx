// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonEditor } from './JsonEditor.tsx';
import { addAt, type JsonObject, parseDocument, parseScalar, removeAt, scalarText, setAt } from './json-edit.ts';

afterEach(cleanup);

describe('json-edit', () => {
  const doc: JsonObject = { a: 1, list: ['x', { deep: true }], nested: { b: 'text' } };

  it('sets, removes and adds by path without touching the original', () => {
    expect(setAt(doc, ['list', 1, 'deep'], false)).toEqual({
      a: 1,
      list: ['x', { deep: false }],
      nested: { b: 'text' },
    });
    expect(removeAt(doc, ['list', 0])).toEqual({ a: 1, list: [{ deep: true }], nested: { b: 'text' } });
    expect(removeAt(doc, ['nested', 'b'])).toEqual({ a: 1, list: ['x', { deep: true }], nested: {} });
    expect(addAt(doc, ['nested'], 'c', null)).toEqual({
      a: 1,
      list: ['x', { deep: true }],
      nested: { b: 'text', c: null },
    });
    expect(addAt(doc, ['list'], 'ignored', 3)).toEqual({ a: 1, list: ['x', { deep: true }, 3], nested: { b: 'text' } });
    expect(doc).toEqual({ a: 1, list: ['x', { deep: true }], nested: { b: 'text' } });
  });

  it('refuses a key that is taken or empty, and going into a scalar', () => {
    expect(() => addAt(doc, [], 'a', 2)).toThrow('the key “a” is already there');
    expect(() => addAt(doc, [], '', 2)).toThrow('a key must not be empty');
    expect(() => setAt(doc, ['a', 'b'], 2)).toThrow('cannot go into a number at b');
  });

  it('reads typed values as JSON when they are, as text otherwise, and writes them back the same', () => {
    expect(parseScalar('42')).toBe(42);
    expect(parseScalar('true')).toBe(true);
    expect(parseScalar('null')).toBeNull();
    expect(parseScalar('"42"')).toBe('42');
    expect(parseScalar('整理会议纪要')).toBe('整理会议纪要');
    expect(parseScalar('[1, 2]')).toEqual([1, 2]);
    for (const value of ['42', 'plain words', 'true', '', 7, false, null, ' spaced ']) {
      expect(parseScalar(scalarText(value))).toEqual(value === ' spaced ' ? ' spaced ' : value);
    }
  });

  it('raw mode accepts one JSON object and says what else is wrong', () => {
    expect(parseDocument('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseDocument('[1]')).toMatchObject({ ok: false, error: expect.stringContaining('must be a JSON object') });
    expect(parseDocument('{"a": ')).toMatchObject({ ok: false, error: expect.stringContaining('Not valid JSON') });
  });
});

function Harness({ initial, seen }: { initial: JsonObject; seen: JsonObject[] }) {
  const [value, setValue] = useState(initial);
  return (
    <JsonEditor
      label="plan"
      value={value}
      onChange={(next) => {
        seen.push(next);
        setValue(next);
      }}
    />
  );
}

describe('JsonEditor', () => {
  it('edits a value, removes a key and adds one in the tree', () => {
    const seen: JsonObject[] = [];
    render(<Harness initial={{ step: 1, goal: '整理', owner: { name: '李雷' } }} seen={seen} />);
    const step = screen.getByLabelText('Value of step') as HTMLInputElement;
    expect(step.value).toBe('1');
    fireEvent.change(step, { target: { value: '2' } });
    fireEvent.blur(step);
    expect(seen.at(-1)).toEqual({ step: 2, goal: '整理', owner: { name: '李雷' } });

    fireEvent.click(screen.getByLabelText('Remove goal'));
    expect(seen.at(-1)).toEqual({ step: 2, owner: { name: '李雷' } });

    fireEvent.click(screen.getByLabelText('Add to owner'));
    fireEvent.change(screen.getByLabelText('New key'), { target: { value: 'age' } });
    fireEvent.change(screen.getByLabelText('New value'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(seen.at(-1)).toEqual({ step: 2, owner: { name: '李雷', age: 30 } });
    expect((screen.getByLabelText('Value of owner.age') as HTMLInputElement).value).toBe('30');
  });

  it('says so when a new key is already there, and adds nothing', () => {
    const seen: JsonObject[] = [];
    render(<Harness initial={{ step: 1 }} seen={seen} />);
    fireEvent.click(screen.getByLabelText('Add to plan'));
    fireEvent.change(screen.getByLabelText('New key'), { target: { value: 'step' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(screen.getByRole('alert').textContent).toBe('the key “step” is already there');
    expect(seen).toEqual([]);
  });

  it('raw mode: invalid text is flagged and not passed on; valid text is, and the tree shows it', () => {
    const seen: JsonObject[] = [];
    render(<Harness initial={{ a: 1 }} seen={seen} />);
    fireEvent.click(screen.getByRole('button', { name: 'Raw JSON' }));
    const raw = screen.getByLabelText('Raw JSON of plan') as HTMLTextAreaElement;
    expect(JSON.parse(raw.value)).toEqual({ a: 1 });
    fireEvent.change(raw, { target: { value: '{"a": ' } });
    expect(screen.getByRole('alert').textContent).toContain('Not valid JSON');
    expect(raw.getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Tree' }) as HTMLButtonElement).disabled).toBe(true);
    expect(seen).toEqual([]);
    fireEvent.change(raw, { target: { value: '{"a": 2, "b": [true]}' } });
    expect(seen.at(-1)).toEqual({ a: 2, b: [true] });
    fireEvent.click(screen.getByRole('button', { name: 'Tree' }));
    expect((screen.getByLabelText('Value of b.0') as HTMLInputElement).value).toBe('true');
  });
});
