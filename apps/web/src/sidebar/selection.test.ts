import { describe, expect, it } from 'vitest';
import { clickSelect, emptySelection, extendSelection, selectAll, selectedInOrder } from './selection.ts';

const order = ['a', 'b', 'c', 'd', 'e'];
const ids = (selection: { ids: ReadonlySet<string> }) => [...selection.ids].sort();

describe('sidebar selection', () => {
  it('a plain click selects one and sets the anchor', () => {
    const one = clickSelect(emptySelection, order, 'c', {});
    expect(ids(one)).toEqual(['c']);
    expect(one.anchor).toBe('c');
    expect(ids(clickSelect(one, order, 'a', {}))).toEqual(['a']);
  });

  it('Ctrl/Cmd+click toggles one and moves the anchor', () => {
    let selection = clickSelect(emptySelection, order, 'a', {});
    selection = clickSelect(selection, order, 'c', { toggle: true });
    expect(ids(selection)).toEqual(['a', 'c']);
    selection = clickSelect(selection, order, 'a', { toggle: true });
    expect(ids(selection)).toEqual(['c']);
    expect(selection.anchor).toBe('a');
  });

  it('Shift+click selects the range from the anchor, either direction, replacing the rest', () => {
    let selection = clickSelect(emptySelection, order, 'b', {});
    selection = clickSelect(selection, order, 'd', { shift: true });
    expect(ids(selection)).toEqual(['b', 'c', 'd']);
    selection = clickSelect(selection, order, 'a', { shift: true });
    expect(ids(selection)).toEqual(['a', 'b']);
    expect(selection.anchor).toBe('b');
  });

  it('Ctrl+Shift+click adds the range to what is selected', () => {
    let selection = clickSelect(emptySelection, order, 'a', {});
    selection = clickSelect(selection, order, 'd', { toggle: true });
    selection = clickSelect(selection, order, 'e', { shift: true, toggle: true });
    expect(ids(selection)).toEqual(['a', 'd', 'e']);
  });

  it('Shift+click without an anchor selects the one row', () => {
    expect(ids(clickSelect(emptySelection, order, 'c', { shift: true }))).toEqual(['c']);
  });

  it('Shift+arrows grow and shrink the range from the anchor, stopping at the ends', () => {
    let state = extendSelection(clickSelect(emptySelection, order, 'b', {}), order, 'b', 1);
    expect(ids(state.selection)).toEqual(['b', 'c']);
    expect(state.focused).toBe('c');
    state = extendSelection(state.selection, order, state.focused, 1);
    expect(ids(state.selection)).toEqual(['b', 'c', 'd']);
    state = extendSelection(state.selection, order, state.focused, -3);
    expect(ids(state.selection)).toEqual(['a', 'b']);
    state = extendSelection(state.selection, order, state.focused, -1);
    expect(state.focused).toBe('a');
    expect(ids(state.selection)).toEqual(['a', 'b']);
  });

  it('select all, and the selected ids in list order without the ones no longer listed', () => {
    const all = selectAll(order);
    expect(ids(all)).toEqual(order);
    expect(selectedInOrder(clickSelect(all, order, 'b', { toggle: true }), ['e', 'c', 'b', 'x'])).toEqual(['e', 'c']);
  });
});
