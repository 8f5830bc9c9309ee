/**
 * Default code translations of the theme's `theme.Sandbox.*` strings, for the
 * plugin's `getDefaultCodeTranslationMessages()` (Docusaurus merges them under
 * a site's own `i18n/<locale>/code.json`, which wins).
 */
import {en} from './en.js';
import {fr} from './fr.js';

const LOCALES: Readonly<Record<string, Readonly<Record<string, string>>>> = {en, fr};

/** The locale names to try, most specific first: "fr-CA" → ["fr-CA", "fr"]. */
export function localesToTry(locale: string): string[] {
  const candidates = [locale];
  const language = locale.split(/[-_]/)[0];
  if (language && language !== locale) candidates.push(language);
  return candidates;
}

export function getDefaultCodeTranslationMessages(locale: string): Record<string, string> {
  for (const candidate of localesToTry(locale)) {
    const messages = LOCALES[candidate];
    if (messages) return {...messages};
  }
  return {};
}

export const TRANSLATED_LOCALES = Object.keys(LOCALES);
