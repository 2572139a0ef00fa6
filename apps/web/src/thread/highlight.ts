import type { BundledLanguage, HighlighterGeneric } from 'shiki';

type Highlighter = HighlighterGeneric<BundledLanguage, 'github-light' | 'github-dark'>;

let highlighter: Promise<Highlighter> | undefined;
const cache = new Map<string, string>();

/**
 * Code as HTML with both themes' colours (CSS variables pick one per `data-theme`). Shiki, its engine, the themes
 * and each grammar load only when a block in that language is first shown; an unknown language stays plain.
 */
export async function highlight(code: string, language: string): Promise<string | null> {
  const key = `${language}\u0000${code}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const shiki = await import('shiki');
  const resolved = language.toLowerCase();
  if (!(resolved in shiki.bundledLanguages) && !(resolved in shiki.bundledLanguagesAlias)) return null;
  highlighter ??= shiki.createHighlighter({ themes: ['github-light', 'github-dark'], langs: [] });
  const instance = await highlighter;
  if (!instance.getLoadedLanguages().includes(resolved)) await instance.loadLanguage(resolved as BundledLanguage);
  const html = instance.codeToHtml(code, {
    lang: resolved,
    themes: { light: 'github-light', dark: 'github-dark' },
    defaultColor: false,
  });
  if (cache.size > 500) cache.clear();
  cache.set(key, html);
  return html;
}
