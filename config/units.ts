/**
 * Human units in configuration and fence meta: durations ("500ms", "30s", "2m",
 * "1h" or a number of seconds) and byte sizes ("64k", "256m", "1g" or a number of
 * bytes). Parsers return `undefined` for text they do not understand so callers
 * can name the option in their own error.
 */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const DURATION_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  }
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_MS[match[2] ?? 's']!);
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const SIZE_BYTES: Record<string, number> = {b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3};

export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'b').toLowerCase()[0]!;
  return Math.floor(Number(match[1]) * SIZE_BYTES[unit]!);
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
