/**
 * The `limits` table of the configuration page, rendered from LIMIT_TABLE. A
 * unit test compares the page with it (and rewrites the page on request), so
 * the page lists exactly the limits the schema accepts, with their defaults.
 */
import {LIMIT_NAMES, LIMIT_TABLE, type LimitSpec} from './limits.js';
import {formatDuration} from './units.js';

/** The page's heading of the section whose first table is generated. */
export const LIMITS_HEADING = '## `limits`';

const SIZE_SUFFIXES = [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const;

/** A default as a user writes it in sandbox.config.json: `"30s"`, `"256m"`, `0.5`. */
export function formatLimitDefault(spec: LimitSpec): string {
  if (spec.unit === 'duration') return `"${formatDuration(spec.default)}"`;
  if (spec.unit === 'bytes') {
    const suffix = SIZE_SUFFIXES.find(([, size]) => spec.default >= size && spec.default % size === 0);
    return suffix ? `"${spec.default / suffix[1]}${suffix[0]}"` : String(spec.default);
  }
  return String(spec.default);
}

/** The values a limit accepts, in words. */
export function describeAllowed(spec: LimitSpec): string {
  if (spec.unit === 'duration') return 'a duration';
  if (spec.unit === 'bytes') return 'a size';
  const kind = spec.unit === 'count' ? 'a whole number' : 'a number';
  const lower = spec.above !== undefined ? `more than ${spec.above}` : spec.min !== undefined ? `at least ${spec.min}` : undefined;
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  return [kind, lower, spec.max !== undefined ? `at most ${spec.max}` : undefined].filter(Boolean).join(', ');
}

export function renderLimitsTable(): string {
  const rows = LIMIT_NAMES.map((name) => {
    const spec: LimitSpec = LIMIT_TABLE[name];
    return `| \`${name}\` | \`${formatLimitDefault(spec)}\` | ${describeAllowed(spec)} | ${spec.doc} |`;
  });
  return ['| option | default | allowed | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * The page with the first table of its limits section replaced by the
 * rendered one; everything else is kept byte for byte.
 */
export function withLimitsTable(page: string): string {
  const lines = page.split('\n');
  const heading = lines.indexOf(LIMITS_HEADING);
  if (heading < 0) throw new Error(`the configuration page has no "${LIMITS_HEADING}" heading`);
  const next = lines.findIndex((line, index) => index > heading && line.startsWith('## '));
  const end = next < 0 ? lines.length : next;
  const start = lines.findIndex((line, index) => index > heading && index < end && line.startsWith('|'));
  if (start < 0) throw new Error(`the "${LIMITS_HEADING}" section of the configuration page has no table`);
  let stop = start;
  while (stop < end && lines[stop]!.startsWith('|')) stop++;
  return [...lines.slice(0, start), renderLimitsTable(), ...lines.slice(stop)].join('\n');
}
