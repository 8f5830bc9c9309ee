/**
 * What the `Sandbox` component needs of the site, provided once by
 * `enhanceAppWithSandbox` (which reads VitePress's data and the site data
 * module): the component itself imports neither, so it renders anywhere Vue
 * does, its unit tests included.
 */
import type {InjectionKey, Ref} from 'vue';

export interface SandboxSiteContext {
  /** The backend's URL; '' means the page's own origin under `base`. */
  serverUrl: string;
  /** Never contact a backend: Run plays the recorded transcript. */
  recordedOnly: boolean;
  /** The site's `base` ('/' or '/docs/'): the API and the transcripts live under it. */
  base: string;
  /** The page's language (VitePress's `useData().lang`), read in the component's setup. */
  useLang(): Readonly<Ref<string>>;
  /** VitePress's dark mode (`html.dark`), read in the component's setup. */
  useDark(): Readonly<Ref<boolean>>;
  /** The bearer token for POST /api/sessions (jwt auth mode), or undefined for none. */
  getAuthToken?: (() => Promise<string | undefined>) | undefined;
}

export const SANDBOX_CONTEXT: InjectionKey<SandboxSiteContext> = Symbol('docusaurus-sandbox');
