import { createRootRoute, createRoute, createRouter, redirect, useParams } from '@tanstack/react-router';
import { useEffect } from 'react';
import { Shell } from './shell/Shell.tsx';
import { Thread } from './thread/Thread.tsx';

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
  return (
    <div className="empty-state welcome" data-view="new">
      <h2>New conversation</h2>
      <p>
        Conversations start when an agent writes its first message (<code>message.append</code> with a new conversation
        id), or from the API with <code>conversation.create</code>.
      </p>
    </div>
  );
}

const rootRoute = createRootRoute({ component: Shell });
const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: Welcome,
  // The last open conversation comes back after a reload.
  beforeLoad: () => {
    const last = localStorage.getItem(LAST_OPEN_KEY);
    if (last) throw redirect({ to: '/c/$conversationId', params: { conversationId: last }, replace: true });
  },
});
const newRoute = createRoute({ getParentRoute: () => rootRoute, path: '/new', component: NewConversation });
const conversationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/c/$conversationId',
  component: ConversationRoute,
});
const messageRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/c/$conversationId/m/$messageId',
  component: ConversationRoute,
});

const routeTree = rootRoute.addChildren([indexRoute, newRoute, conversationRoute, messageRoute]);

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
