import { useConnection } from './connection.ts';
import { useTheme } from './theme-context.tsx';

const CONNECTION_LABELS = { connecting: 'Connecting…', online: 'Connected', offline: 'Server unreachable' };

export function StatusBar({
  loaded,
  more,
  messageCount,
  onSignOut,
}: {
  loaded: number;
  more: boolean;
  messageCount: number | undefined;
  onSignOut(): void;
}) {
  const connection = useConnection();
  const { theme, choice, cycle } = useTheme();
  return (
    <footer className="status-bar" role="status" aria-label="Status">
      <span className={`connection ${connection}`} data-connection={connection}>
        <span className="dot" aria-hidden="true" /> {CONNECTION_LABELS[connection]}
      </span>
      <span>
        {loaded.toLocaleString()}
        {more ? '+' : ''} conversations
      </span>
      {messageCount !== undefined ? <span>{messageCount.toLocaleString()} messages in this thread</span> : null}
      <span className="spacer" />
      <span className="muted">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> search
      </span>
      <button type="button" className="link-button" onClick={cycle} aria-label={`Theme: ${choice}. Change theme`}>
        {choice === 'system' ? `Theme: system (${theme})` : `Theme: ${theme}`}
      </button>
      <button type="button" className="link-button" onClick={onSignOut}>
        Sign out
      </button>
    </footer>
  );
}
