import { useContext, useState } from 'react';
import { type Density, savePrefs, type TimeFormat, usePrefs } from '../shell/prefs.ts';
import { SignOutContext } from '../shell/Shell.tsx';
import { useTheme } from '../shell/theme-context.tsx';
import type { ThemeChoice } from '../theme.ts';

/** The first and last four characters: enough to tell tokens apart, not enough to use one. */
export function maskToken(token: string): string {
  if (token.length <= 12) return '•'.repeat(token.length);
  return `${token.slice(0, 4)}${'•'.repeat(8)}${token.slice(-4)}`;
}

function Choice<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
}: {
  legend: string;
  name: string;
  value: T;
  options: { value: T; label: string }[];
  onChange(value: T): void;
}) {
  return (
    <fieldset className="choice">
      <legend>{legend}</legend>
      {options.map((option) => (
        <label key={option.value}>
          <input
            type="radio"
            name={name}
            value={option.value}
            checked={value === option.value}
            onChange={() => onChange(option.value)}
          />
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}

export function Settings({ token }: { token: string | null }) {
  const { choice, choose, theme } = useTheme();
  const prefs = usePrefs();
  const signOut = useContext(SignOutContext);
  const [shown, setShown] = useState(false);
  const sample = new Date(2026, 0, 15, 16, 5);
  return (
    <section className="page settings-page" aria-label="Settings">
      <header className="page-header">
        <h2>Settings</h2>
      </header>
      <Choice<ThemeChoice>
        legend={`Theme (now ${theme})`}
        name="theme"
        value={choice}
        onChange={choose}
        options={[
          { value: 'system', label: 'Follow the system' },
          { value: 'light', label: 'Light' },
          { value: 'dark', label: 'Dark' },
        ]}
      />
      <Choice<Density>
        legend="Density"
        name="density"
        value={prefs.density}
        onChange={(density) => savePrefs({ density })}
        options={[
          { value: 'comfortable', label: 'Comfortable' },
          { value: 'compact', label: 'Compact' },
        ]}
      />
      <Choice<TimeFormat>
        legend="Time format"
        name="time-format"
        value={prefs.timeFormat}
        onChange={(timeFormat) => savePrefs({ timeFormat })}
        options={[
          {
            value: 'system',
            label: `As the browser has it (${sample.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })})`,
          },
          { value: '24h', label: '24-hour (16:05)' },
          { value: '12h', label: '12-hour (4:05 PM)' },
        ]}
      />
      <fieldset className="choice">
        <legend>Access token</legend>
        <p>
          <code data-token-masked>{token ? (shown ? token : maskToken(token)) : 'none'}</code>{' '}
          <button type="button" className="link-button" onClick={() => setShown(!shown)}>
            {shown ? 'Hide' : 'Show'}
          </button>
        </p>
        <p className="muted small">
          Kept in this browser only. Signing out forgets it here; the token itself stays valid.
        </p>
        <button type="button" className="danger" onClick={signOut}>
          Sign out of this browser
        </button>
      </fieldset>
    </section>
  );
}
