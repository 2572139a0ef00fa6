import {
  createRootRoute,
  createRoute,
  createRouter,
  Outlet,
  redirect,
  useNavigate,
  useParams,
} from '@tanstack/react-router';
import { lazy, Suspense, useEffect, useState } from 'react';
import { storedToken } from './auth.ts';
import { useConversationActions } from './manage/useConversationActions.ts';
import { Shell } from './shell/Shell.tsx';
import { Thread } from './thread/Thread.tsx';

// Pages most visits never open are chunks of their own: the statistics bring the chart library.
const Stats = lazy(() => import('./stats/Stats.tsx').then((module) => ({ default: module.Stats })));
const Settings = lazy(() => import('./settings/Settings.tsx').then((module) => ({ default: module.Settings })));
const PrintView = lazy(() => import('./manage/Print.tsx').then((module) => ({ default: module.PrintView })));
const loading = <p className="muted page">Loading…</p>;

const LAST_OPEN_KEY = 'threadstore.lastOpen';

function ConversationRoute() {
  const { conversationId, messageId } = useParams({ strict: false }) as {
    conversationId: string;
    messageId?: string;
  };
  useEffect(() => {
    localStorage.setItem(LAST_OPEN_KEY, conversationId);
  }, [conversationId]);
  return <Thread key={`${conversationId}/${messageId ?? ''}`} conversationId={conversationId} messageId={messageId} />;
}

function Welcome() {
  return (
    <div className="empty-state welcome">
      <h2>Pick a conversation</h2>
      <p>
        Choose one in the sidebar (<kbd>↑</kbd> <kbd>↓</kbd> and <kbd>Enter</kbd>), or press <kbd>Ctrl</kbd>+
        <kbd>K</kbd> to search every message.
      </p>
    </div>
  );
}

function NewConversation() {
  const actions = useConversationActions();
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <div className="empty-state welcome" data-view="new">
      <h2>New conversation</h2>
      <form
        className="new-form"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          const conversation = await actions.create(title.trim() || null);
          setBusy(false);
          if (conversation) void navigate({ to: '/c/$conversationId', params: { conversationId: conversation.id } });
        }}
      >
        <input
          aria-label="Title of the new conversation"
          placeholder="Title (optional)"
          maxLength={500}
          value={title}
          onChange={(event) => setTitle(event.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </form>
      <p>
        Agents start conversations too, when they write a first message (<code>message.append</code> with a new
        conversation id).
      </p>
    </div>
  );
}

function PrintRoute() {
  const { conversationId } = useParams({ strict: false }) as { conversationId: string };
  return (
    <Suspense fallback={loading}>
      <PrintView conversationId={conversationId} />
    </Suspense>
  );
}

const rootRoute = createRootRoute({ component: Outlet });
const shellRoute = createRoute({ getParentRoute: () => rootRoute, id: 'shell', component: Shell });
const indexRoute = createRoute({
  getParentRoute: () => shellRoute,
  path: '/',
  component: Welcome,
  // The last open conversation comes back after a reload.
  beforeLoad: () => {
    const last = localStorage.getItem(LAST_OPEN_KEY);
    if (last) throw redirect({ to: '/c/$conversationId', params: { conversationId: last }, replace: true });
  },
});
const newRoute = createRoute({ getParentRoute: () => shellRoute, path: '/new', component: NewConversation });
const statsRoute = createRoute({
  getParentRoute: () => shellRoute,
  path: '/stats',
  component: () => (
    <Suspense fallback={loading}>
      <Stats />
    </Suspense>
  ),
});
const settingsRoute = createRoute({
  getParentRoute: () => shellRoute,
  path: '/settings',
  component: () => (
    <Suspense fallback={loading}>
      <Settings token={storedToken()} />
    </Suspense>
  ),
});
const printRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/c/$conversationId/print',
  component: PrintRoute,
});
const conversationRoute = createRoute({
  getParentRoute: () => shellRoute,
  path: '/c/$conversationId',
  component: ConversationRoute,
});
const messageRoute = createRoute({
  getParentRoute: () => shellRoute,
  path: '/c/$conversationId/m/$messageId',
  component: ConversationRoute,
});

const routeTree = rootRoute.addChildren([
  shellRoute.addChildren([indexRoute, newRoute, statsRoute, settingsRoute, conversationRoute, messageRoute]),
  printRoute,
]);

export function createAppRouter() {
  return createRouter({ routeTree, defaultPreload: false, scrollRestoration: false });
}

/** A conversation that cannot be opened (purged, someone else's) is not brought back again after a reload. */
export function forgetLastOpen(conversationId: string): void {
  if (localStorage.getItem(LAST_OPEN_KEY) === conversationId) localStorage.removeItem(LAST_OPEN_KEY);
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
