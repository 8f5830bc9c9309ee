/**
 * A reader's edits, kept per block id in the browser's storage until Reset.
 * Takes a Storage-like object so it is testable and survives storage that
 * throws (private mode, quota, disabled cookies).
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Edited file contents by path. */
export type Edits = Record<string, string>;

const PREFIX = 'docusaurus-sandbox:edits:';
const VERSION = 1;
/** Larger edits are not persisted (storage quotas are ~5 MB per origin, shared). */
export const MAX_STORED_CHARS = 256 * 1024;

export const editsKey = (blockId: string): string => PREFIX + blockId;

export function loadEdits(storage: KeyValueStorage | undefined, blockId: string, knownPaths: readonly string[]): Edits {
  let text: string | null = null;
  try {
    text = storage?.getItem(editsKey(blockId)) ?? null;
  } catch {
    return {};
  }
  if (text === null) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== 'object' || value === null) return {};
  const record = value as {version?: unknown; files?: unknown};
  if (record.version !== VERSION || typeof record.files !== 'object' || record.files === null) return {};
  const edits: Edits = {};
  // Only paths the block still has: a rebuilt page may have renamed files.
  for (const path of knownPaths) {
    const content = Object.hasOwn(record.files, path) ? (record.files as Record<string, unknown>)[path] : undefined;
    if (typeof content === 'string') edits[path] = content;
  }
  return edits;
}

/** Persists edits; an empty set removes the entry. Returns false when they could not be kept. */
export function saveEdits(storage: KeyValueStorage | undefined, blockId: string, edits: Edits): boolean {
  if (!storage) return false;
  try {
    if (Object.keys(edits).length === 0) {
      storage.removeItem(editsKey(blockId));
      return true;
    }
    const text = JSON.stringify({version: VERSION, files: edits});
    if (text.length > MAX_STORED_CHARS) return false;
    storage.setItem(editsKey(blockId), text);
    return true;
  } catch {
    return false;
  }
}

export function clearEdits(storage: KeyValueStorage | undefined, blockId: string): void {
  try {
    storage?.removeItem(editsKey(blockId));
  } catch {
    // Nothing to do: storage that cannot be written holds nothing of ours either.
  }
}

/** Only the files whose content differs from the authored one. */
export function changedFiles(
  authored: ReadonlyArray<{path: string; content: string}>,
  edits: Edits,
): Array<{path: string; content: string}> {
  return authored
    .filter((file) => Object.hasOwn(edits, file.path) && edits[file.path] !== file.content)
    .map((file) => ({path: file.path, content: edits[file.path]!}));
}
