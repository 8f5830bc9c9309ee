/**
 * The component's texts: the client's one message list (client/messages.ts)
 * in the page's language, through the translations the Docusaurus theme ships
 * (en, fr), so both front ends say the same words. VitePress gives the
 * language of the page (`useData().lang`, e.g. "fr-FR").
 */
import {englishMessage, type MessageId} from '../../client/messages.js';
import {getDefaultCodeTranslationMessages} from '../../client/translations/index.js';

export type Values = Record<string, string | number> | undefined;
export type Translate = (id: MessageId, values?: Values) => string;

/** `{name}` placeholders filled from `values`; one without a value stays as written, so the gap shows. */
export const fill = (message: string, values: Values) =>
  message.replace(/\{(\w+)\}/g, (placeholder, name: string) => String(values?.[name] ?? placeholder));

/** The translator of `locale`; English for a language without translations (and for any missing text). */
export function translator(locale: string): Translate {
  const messages = getDefaultCodeTranslationMessages(locale);
  return (id, values) => fill(messages[id] ?? englishMessage(id), values);
}
