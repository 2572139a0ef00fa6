import { useQuery } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams } from '@tanstack/react-router';
import type { ConversationDto } from '@threadstore/shared';
import { createContext, lazy, Suspense, useCallback, useContext, useEffect, useState } from 'react';
import { Group, Panel, Separator, useDefaultLayout, usePanelRef } from 'react-resizable-panels';
import { Toaster } from 'sonner';
import { Sidebar } from '../sidebar/Sidebar.tsx';
import { preloadMarkdown } from '../thread/text.tsx';
import { useTRPC } from '../trpc.ts';
import { StatusBar } from './StatusBar.tsx';
import { useTheme } from './theme-context.tsx';

// The palette (cmdk, Radix dialog) is a chunk of its own, fetched when the browser is idle or on first Ctrl+K.
const loadPalette = () => import('../palette/Palette.tsx');
const Palette = lazy(() => loadPalette().then((module) => ({ default: module.Palette })));
// The inspector (JSON tree editor, notes) loads with the first conversation opened.
const Inspector = lazy(() => import('../inspector/Inspector.tsx').then((module) => ({ default: module.Inspector })));

export const SignOutContext = createContext<() => void>(() => undefined);

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform);

export function Shell() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const { theme } = useTheme();
  const signOut = useContext(SignOutContext);
  const params = useParams({ strict: false }) as { conversationId?: string };
  const activeId = params.conversationId;
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [paletteUsed, setPaletteUsed] = useState(false);
  useEffect(() => {
    if (paletteOpen) setPaletteUsed(true);
  }, [paletteOpen]);
  const [counts, setCounts] = useState({ loaded: 0, more: false });
  const onCount = useCallback((loaded: number, more: boolean) => setCounts({ loaded, more }), []);
  const active = useQuery(trpc.conversation.get.queryOptions({ id: activeId ?? '' }, { enabled: !!activeId }));
  const layout = useDefaultLayout({ id: 'threadstore.panes', storage: localStorage });
  const sidebarRef = usePanelRef();
  const inspectorRef = usePanelRef();

  useEffect(() => {
    const idle = window.requestIdleCallback ?? ((callback: () => void) => setTimeout(callback, 200));
    idle(() => {
      preloadMarkdown();
      void loadPalette();
    });
  }, []);

  const openConversation = useCallback(
    (conversation: Pick<ConversationDto, 'id'>) =>
      navigate({ to: '/c/$conversationId', params: { conversationId: conversation.id } }),
    [navigate],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = isMac() ? event.metaKey : event.ctrlKey;
      const key = event.key.toLowerCase();
      if (mod && key === 'k') {
        event.preventDefault();
        setPaletteOpen((open) => !open);
      } else if ((mod || event.altKey) && key === 'n' && !event.shiftKey) {
        event.preventDefault();
        void navigate({ to: '/new' });
      } else if (mod && key === 'b') {
        event.preventDefault();
        const panel = sidebarRef.current;
        if (panel?.isCollapsed()) panel.expand();
        else panel?.collapse();
      } else if (mod && key === 'i') {
        event.preventDefault();
        const panel = inspectorRef.current;
        if (panel?.isCollapsed()) panel.expand();
        else panel?.collapse();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, sidebarRef, inspectorRef]);

  return (
    <div className="app">
      <header className="toolbar">
        <span className="brand">threadstore</span>
        <button type="button" className="search-button" onClick={() => setPaletteOpen(true)}>
          <span>Search messages…</span>
          <kbd>{isMac() ? '⌘' : 'Ctrl'} K</kbd>
        </button>
        <span className="spacer" />
        <button type="button" className="link-button" onClick={() => void navigate({ to: '/new' })}>
          New
        </button>
        <Link to="/stats" className="link-button" activeProps={{ 'aria-current': 'page' }}>
          Stats
        </Link>
        <Link to="/settings" className="link-button" activeProps={{ 'aria-current': 'page' }}>
          Settings
        </Link>
      </header>
      <Group
        orientation="horizontal"
        className="panes"
        defaultLayout={layout.defaultLayout}
        onLayoutChanged={layout.onLayoutChanged}
      >
        <Panel id="sidebar" panelRef={sidebarRef} defaultSize="24" minSize="180px" maxSize="50" collapsible>
          <Sidebar activeId={activeId} onOpen={openConversation} onCount={onCount} />
        </Panel>
        <Separator className="separator" />
        <Panel id="thread" minSize="30">
          <main className="thread-pane" aria-label="Conversation">
            <Outlet />
          </main>
        </Panel>
        <Separator className="separator" />
        <Panel id="inspector" panelRef={inspectorRef} defaultSize="26" minSize="160px" collapsible>
          <aside className="inspector" aria-label="Inspector">
            <h2>Session</h2>
            {active.data ? (
              <Suspense fallback={<p className="muted small">Loading…</p>}>
                <Inspector conversation={active.data} />
              </Suspense>
            ) : (
              <p className="muted">Open a conversation to see its tags, contexts and notes here.</p>
            )}
          </aside>
        </Panel>
      </Group>
      <StatusBar
        loaded={counts.loaded}
        more={counts.more}
        messageCount={active.data?.messageCount}
        onSignOut={signOut}
      />
      {paletteOpen || paletteUsed ? (
        <Suspense fallback={null}>
          <Palette
            open={paletteOpen}
            onOpenChange={setPaletteOpen}
            onOpenConversation={(conversationId) => openConversation({ id: conversationId })}
            onOpenMessage={(conversationId, messageId) =>
              void navigate({ to: '/c/$conversationId/m/$messageId', params: { conversationId, messageId } })
            }
          />
        </Suspense>
      ) : null}
      <Toaster theme={theme} position="bottom-right" richColors closeButton />
    </div>
  );
}
