/**
 * The sidebar's multi-selection, as a file manager has it: a click selects one, Ctrl/Cmd+click toggles one,
 * Shift+click and Shift+arrows select the range from the anchor (the last plain or Ctrl click) to the row.
 * `order` is the conversations as listed (headers left out).
 */
export interface Selection {
  ids: ReadonlySet<string>;
  anchor: string | undefined;
}

export const emptySelection: Selection = { ids: new Set(), anchor: undefined };

function range(order: readonly string[], from: string | undefined, to: string): string[] {
  const end = order.indexOf(to);
  if (end === -1) return [];
  const start = from === undefined ? -1 : order.indexOf(from);
  if (start === -1) return [to];
  return order.slice(Math.min(start, end), Math.max(start, end) + 1);
}

export function clickSelect(
  selection: Selection,
  order: readonly string[],
  id: string,
  keys: { shift?: boolean; toggle?: boolean },
): Selection {
  if (keys.shift) {
    const ids = new Set(keys.toggle ? selection.ids : []);
    for (const item of range(order, selection.anchor, id)) ids.add(item);
    return { ids, anchor: selection.anchor ?? id };
  }
  if (keys.toggle) {
    const ids = new Set(selection.ids);
    if (ids.has(id)) ids.delete(id);
    else ids.add(id);
    return { ids, anchor: id };
  }
  return { ids: new Set([id]), anchor: id };
}

/** Shift+Arrow: the focus moves by `delta` and the range from the anchor to the new focus is selected. */
export function extendSelection(
  selection: Selection,
  order: readonly string[],
  focused: string | undefined,
  delta: number,
): { selection: Selection; focused: string | undefined } {
  if (order.length === 0) return { selection, focused };
  const at = focused === undefined ? -1 : order.indexOf(focused);
  const next = order[Math.min(order.length - 1, Math.max(0, at === -1 ? 0 : at + delta))] as string;
  const anchor = selection.anchor ?? focused ?? next;
  return { selection: { ids: new Set(range(order, anchor, next)), anchor }, focused: next };
}

export const selectAll = (order: readonly string[]): Selection => ({ ids: new Set(order), anchor: order[0] });

/** The selected ids that are still listed (a deleted or archived one leaves the view), in list order. */
export const selectedInOrder = (selection: Selection, order: readonly string[]): string[] =>
  order.filter((id) => selection.ids.has(id));
