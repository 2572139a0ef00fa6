import type { ConversationDto } from '@threadstore/shared';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { SidebarView } from '../sidebar/Sidebar.tsx';

export type MenuAction =
  | 'open'
  | 'rename'
  | 'pin'
  | 'unpin'
  | 'archive'
  | 'unarchive'
  | 'delete'
  | 'restore'
  | 'purge'
  | 'export-markdown'
  | 'export-json';
export interface MenuState {
  id: string;
  x: number;
  y: number;
}

interface Item {
  action: MenuAction;
  label: string;
  keys?: string;
  danger?: boolean;
}

/** The actions that apply to what is targeted: one conversation, or the selection (no open or rename then). */
export function menuItems(targets: readonly ConversationDto[], view: SidebarView): Item[] {
  const many = targets.length > 1;
  const suffix = many ? ` ${targets.length}` : '';
  if (view === 'trash') {
    return [
      { action: 'restore', label: `Restore${suffix}` },
      { action: 'purge', label: `Purge${suffix}…`, keys: 'Del', danger: true },
    ];
  }
  const allPinned = targets.every((conversation) => conversation.pinned);
  const items: Item[] = many
    ? []
    : [
        { action: 'open', label: 'Open', keys: 'Enter' },
        { action: 'rename', label: 'Rename', keys: 'F2' },
      ];
  items.push(
    { action: allPinned ? 'unpin' : 'pin', label: `${allPinned ? 'Unpin' : 'Pin'}${suffix}` },
    view === 'archived'
      ? { action: 'unarchive', label: `Unarchive${suffix}` }
      : { action: 'archive', label: `Archive${suffix}` },
    { action: 'export-markdown', label: 'Export as Markdown' },
    { action: 'export-json', label: 'Export as JSON' },
    { action: 'delete', label: `Delete${suffix}`, keys: 'Del', danger: true },
  );
  return items;
}

export function ConversationMenu({
  menu,
  targets,
  view,
  onAction,
  onClose,
}: {
  menu: MenuState;
  targets: readonly ConversationDto[];
  view: SidebarView;
  onAction(action: MenuAction): void;
  onClose(): void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const items = menuItems(targets, view);
  const [position, setPosition] = useState({ left: menu.x, top: menu.y });
  useLayoutEffect(() => {
    const box = ref.current?.getBoundingClientRect();
    if (!box) return;
    // Kept inside the window near its edges.
    setPosition({
      left: Math.max(4, Math.min(menu.x, window.innerWidth - box.width - 4)),
      top: Math.max(4, Math.min(menu.y, window.innerHeight - box.height - 4)),
    });
    (ref.current?.querySelector('[role="menuitem"]') as HTMLElement | null)?.focus();
  }, [menu]);
  useEffect(() => {
    const away = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) onClose();
    };
    window.addEventListener('pointerdown', away);
    return () => window.removeEventListener('pointerdown', away);
  }, [onClose]);
  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      aria-label={targets.length > 1 ? `${targets.length} conversations` : (targets[0]?.title ?? 'Untitled')}
      style={position}
      onKeyDown={(event) => {
        const buttons = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
        const at = buttons.indexOf(document.activeElement as HTMLElement);
        if (event.key === 'Escape') onClose();
        else if (event.key === 'ArrowDown') buttons[(at + 1) % buttons.length]?.focus();
        else if (event.key === 'ArrowUp') buttons[(at - 1 + buttons.length) % buttons.length]?.focus();
        else return;
        event.preventDefault();
        event.stopPropagation();
      }}
    >
      {items.map((item) => (
        <button
          key={item.action}
          type="button"
          role="menuitem"
          data-menu-action={item.action}
          className={item.danger ? 'danger' : undefined}
          onClick={() => onAction(item.action)}
        >
          <span>{item.label}</span>
          {item.keys ? <kbd>{item.keys}</kbd> : null}
        </button>
      ))}
    </div>
  );
}
