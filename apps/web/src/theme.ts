export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const THEME_KEY = 'threadstore.theme';
const dark = () => window.matchMedia('(prefers-color-scheme: dark)');

export function storedThemeChoice(): ThemeChoice {
  const value = localStorage.getItem(THEME_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function resolveTheme(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice;
  return dark().matches ? 'dark' : 'light';
}

/** `<html data-theme>` is the one place the theme lives; CSS and tests read it there. */
export function applyTheme(choice: ThemeChoice): Theme {
  const theme = resolveTheme(choice);
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  return theme;
}

export function saveThemeChoice(choice: ThemeChoice): Theme {
  if (choice === 'system') localStorage.removeItem(THEME_KEY);
  else localStorage.setItem(THEME_KEY, choice);
  return applyTheme(choice);
}

/** Follows the system while the choice is "system"; returns the unsubscribe. */
export function followSystemTheme(onChange: (theme: Theme) => void): () => void {
  const media = dark();
  const listener = () => {
    if (storedThemeChoice() === 'system') onChange(applyTheme('system'));
  };
  media.addEventListener('change', listener);
  return () => media.removeEventListener('change', listener);
}
