import { useSyncExternalStore } from 'react';

/** Display preferences kept in this browser: density (on `<html data-density>`) and the clock. */
export type Density = 'comfortable' | 'compact';
export type TimeFormat = 'system' | '24h' | '12h';
export interface Prefs {
  density: Density;
  timeFormat: TimeFormat;
}

const KEY = 'threadstore.prefs';
const listeners = new Set<() => void>();

function read(): Prefs {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
    return {
      density: stored.density === 'compact' ? 'compact' : 'comfortable',
      timeFormat: stored.timeFormat === '24h' || stored.timeFormat === '12h' ? stored.timeFormat : 'system',
    };
  } catch {
    return { density: 'comfortable', timeFormat: 'system' };
  }
}

let current = read();

export function applyPrefs(prefs: Prefs = current): void {
  document.documentElement.dataset.density = prefs.density;
}

export function savePrefs(change: Partial<Prefs>): void {
  current = { ...current, ...change };
  localStorage.setItem(KEY, JSON.stringify(current));
  applyPrefs();
  for (const listener of listeners) listener();
}

export const getPrefs = () => current;

export function usePrefs(): Prefs {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, getPrefs);
}

/** `hour12` for toLocale*String: undefined follows the locale. */
export const hour12 = (format: TimeFormat = current.timeFormat): boolean | undefined =>
  format === 'system' ? undefined : format === '12h';

export const formatDateTime = (date: Date) =>
  date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', hour12: hour12() });
