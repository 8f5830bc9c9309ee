/**
 * A page session's environment as the page knows it: read from the server's
 * answers and from the browser's session storage, both untrusted, so every
 * read is validated and bounded. Kept in session storage (one tab, until it
 * closes) so that a reload within the server's reconnect grace finds the same
 * environment instead of starting the tutorial over.
 */
import type {EnvironmentInfo, EnvironmentRef} from '../protocol/index.js';
import type {KeyValueStorage} from './storage.js';

/** What the page keeps of an environment: how to name it, and which steps have run in it. */
export interface KnownEnvironment {
  readonly ref: EnvironmentRef;
  /** The page session (manifest `sessions[].id`) it belongs to. */
  readonly session: string;
  /** Steps (1-based) that have run in it. */
  readonly ran: readonly number[];
}

/** A tutorial has a handful of steps; a longer list is not an answer of ours. */
export const MAX_RAN_STEPS = 1000;
/** Ids and tokens are short random strings; anything longer is refused before it is kept or sent back. */
export const MAX_CREDENTIAL_CHARS = 512;
/** A stored entry is a few hundred characters; a larger one is not ours and is not parsed. */
export const MAX_STORED_ENVIRONMENT_CHARS = 16 * 1024;

const PREFIX = 'docusaurus-sandbox:environment:';
const VERSION = 1;

const isCredential = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.length <= MAX_CREDENTIAL_CHARS;
const isStep = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readRan(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_RAN_STEPS || !value.every(isStep)) return undefined;
  return [...new Set(value)];
}

/**
 * An `EnvironmentInfo` (a POST answer's `environment`, a GET's body) as the
 * page keeps it, or undefined when it is malformed or belongs to another page
 * session than `session` (when given).
 */
export function readEnvironmentInfo(value: unknown, session?: string): KnownEnvironment | undefined {
  if (!isObject(value)) return undefined;
  const {id, token, ran} = value as Partial<Record<keyof EnvironmentInfo, unknown>>;
  const owner = value.session;
  if (!isCredential(id) || !isCredential(token) || !isCredential(owner)) return undefined;
  if (session !== undefined && owner !== session) return undefined;
  const steps = readRan(ran);
  if (!steps) return undefined;
  return {ref: {id, token}, session: owner, ran: steps};
}

/** The storage key: the API base (environments belong to one server) and the page session id. */
export const environmentKey = (apiBase: string, session: string): string => `${PREFIX}${apiBase}|${session}`;

/** The stored environment of a page session, or undefined: none, unreadable storage, or anything malformed. */
export function loadEnvironment(storage: KeyValueStorage | undefined, apiBase: string, session: string): KnownEnvironment | undefined {
  let text: string | null = null;
  try {
    text = storage?.getItem(environmentKey(apiBase, session)) ?? null;
  } catch {
    return undefined;
  }
  if (text === null || text.length > MAX_STORED_ENVIRONMENT_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.version !== VERSION) return undefined;
  return readEnvironmentInfo(value, session);
}

/** Keeps the environment for a reload; false when storage refused it (the page then works without it). */
export function saveEnvironment(storage: KeyValueStorage | undefined, apiBase: string, environment: KnownEnvironment): boolean {
  if (!storage) return false;
  try {
    const {ref, session, ran} = environment;
    storage.setItem(environmentKey(apiBase, session), JSON.stringify({version: VERSION, id: ref.id, token: ref.token, session, ran}));
    return true;
  } catch {
    return false;
  }
}

export function forgetEnvironment(storage: KeyValueStorage | undefined, apiBase: string, session: string): void {
  try {
    storage?.removeItem(environmentKey(apiBase, session));
  } catch {
    // Storage that cannot be written holds nothing of ours either.
  }
}
