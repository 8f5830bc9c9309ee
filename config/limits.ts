/**
 * The limits of a session, as one table: each limit's unit, default, bounds and
 * the text the configuration page shows. The `Limits` type, `DEFAULT_LIMITS`,
 * the Joi schema, the normalisation and the page's table are all derived from
 * it, so a limit added here is validated, normalised and documented at once.
 */
import Joi from 'joi';
import {ConfigError} from './errors.js';
import {durationSchema, sizeSchema} from './unit-schemas.js';
import {parseDuration, parseSize} from './units.js';

/**
 * How a limit is written and stored: a duration (text such as "30s" or seconds;
 * stored in ms), bytes (text such as "256m" or bytes; stored in bytes), cores (a
 * fraction of CPUs) or a count (a whole number).
 */
export type LimitUnit = 'duration' | 'bytes' | 'cores' | 'count';

export interface LimitSpec {
  unit: LimitUnit;
  /** In the stored unit (ms, bytes, cores or a count). */
  default: number;
  /** Lowest value allowed (cores and counts; durations and sizes are never negative). */
  min?: number;
  /** Values must be above this one (cores: 0 cores is no CPU at all). */
  above?: number;
  /** Highest value allowed. */
  max?: number;
  /** The "meaning" cell of the configuration page (Markdown). */
  doc: string;
}

export const LIMIT_TABLE = {
  /** Default run time of a block before it ends with reason "timeout" (ms). */
  timeout: {
    unit: 'duration',
    default: 30_000,
    doc: "Run time of a block before it ends with reason `timeout`. A fence's `timeout=` overrides it. Interactive sessions have no run timeout.",
  },
  /** Highest `timeout=` a fence may ask for; over it is a build error (ms). */
  maxTimeout: {unit: 'duration', default: 300_000, doc: 'Highest `timeout=` a fence may ask for (more is a build error).'},
  /** A session with neither input nor output for this long ends with "idle" (ms). */
  idleTimeout: {unit: 'duration', default: 120_000, doc: 'A session with neither input nor output this long ends with reason `idle`.'},
  /** Hard cap on any session, interactive ones included (ms). */
  maxLifetime: {unit: 'duration', default: 600_000, doc: 'Hard cap on any session, interactive ones included (reason `timeout`).'},
  /** Container memory limit (bytes); swap is held to the same value. */
  memory: {
    unit: 'bytes',
    default: 256 * 1024 ** 2,
    doc: 'Container memory limit; swap is held to the same value. A process over it is OOM-killed (reason `oom`).',
  },
  /** CPU share, in cores (0.5 = half of one core). */
  cpus: {unit: 'cores', default: 0.5, above: 0, max: 64, doc: 'CPU share in cores.'},
  /** Process/thread cap of the container (gVisor needs >= 128). */
  pids: {
    unit: 'count',
    default: 128,
    min: 16,
    doc: 'Processes and threads per container (a fork bomb meets EAGAIN). At least 128 for gVisor.',
  },
  /** Size of the tmpfs mounted at /workspace (bytes). */
  workspaceSize: {unit: 'bytes', default: 64 * 1024 ** 2, doc: 'Size of the tmpfs at `/workspace`.'},
  /** Size of the tmpfs mounted at /tmp (bytes). */
  tmpSize: {
    unit: 'bytes',
    default: 16 * 1024 ** 2,
    doc: 'Size of the tmpfs at `/tmp`. `workspaceSize + tmpSize` must stay below 75 % of `memory` (tmpfs pages count against it).',
  },
  /** Open file descriptors per process. */
  nofile: {unit: 'count', default: 1024, min: 64, doc: 'Open files per process.'},
  /** Terminal output after which a session ends with "output-limit" (bytes). */
  outputLimit: {unit: 'bytes', default: 16 * 1024 ** 2, doc: 'Terminal output after which the session ends with reason `output-limit`.'},
  /**
   * Terminal output per second (bytes) of one client's sessions together; a
   * faster program is slowed to it, not stopped. 0 for no limit, else at least
   * 64 KiB. A flood costs CPU along the whole pipe and starves other readers'
   * echo on a small host.
   */
  outputRate: {
    unit: 'bytes',
    default: 4 * 1024 ** 2,
    doc: "Terminal output per second of one client's sessions together (a size per second; `0` for no limit, else at least `\"64k\"`): a reader's tabs share it. A faster program is slowed to it, not stopped; a quarter of a second of output may come at once. An output flood costs CPU along the whole pipe (runtime, shim, engine, server) and on a small host slows every other reader's echo.",
  },
  /** Most files one block (or one reader's edit) may seed. */
  maxFiles: {unit: 'count', default: 32, min: 1, max: 1000, doc: "Most files one block or one reader's edit may seed."},
  /** Most bytes of file content one session may seed. */
  maxSeedBytes: {
    unit: 'bytes',
    default: 256 * 1024,
    doc: 'Most bytes of file content one session may seed (`413 too-large` beyond).',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMIT_TABLE;

/** Every limit, normalised: durations in ms, sizes in bytes. (Each field's comment is in LIMIT_TABLE.) */
export type Limits = {-readonly [Name in keyof typeof LIMIT_TABLE]: number};

/** The limits in the table's order (the order of the page and of normalised objects). */
export const LIMIT_NAMES = Object.keys(LIMIT_TABLE) as LimitName[];

const specOf = (name: LimitName): LimitSpec => LIMIT_TABLE[name];

const limitsFrom = (valueOf: (name: LimitName) => number): Limits =>
  Object.fromEntries(LIMIT_NAMES.map((name) => [name, valueOf(name)])) as Limits;

export const DEFAULT_LIMITS: Limits = limitsFrom((name) => specOf(name).default);

function schemaOf(spec: LimitSpec): Joi.Schema {
  if (spec.unit === 'duration') return durationSchema;
  if (spec.unit === 'bytes') return sizeSchema;
  let number = spec.unit === 'count' ? Joi.number().integer() : Joi.number();
  if (spec.above !== undefined) number = number.greater(spec.above);
  if (spec.min !== undefined) number = number.min(spec.min);
  if (spec.max !== undefined) number = number.max(spec.max);
  return number;
}

// Durations, then sizes, then the rest (in the table's order within each):
// Joi checks keys in schema order, so this keeps which of several wrong
// limits an error names.
const SCHEMA_RANK: Record<LimitUnit, number> = {duration: 0, bytes: 1, cores: 2, count: 2};
const schemaRank = (name: LimitName) => SCHEMA_RANK[specOf(name).unit];

export const limitsSchema = Joi.object(
  Object.fromEntries(
    [...LIMIT_NAMES].sort((a, b) => schemaRank(a) - schemaRank(b)).map((name) => [name, schemaOf(specOf(name))]),
  ),
);

type Unitful = number | string | undefined;

/** A validated value (limitsSchema accepted it) in the stored unit. */
function toStored(unit: LimitUnit, value: number | string): number {
  if (unit === 'duration') return parseDuration(value)!;
  if (unit === 'bytes') return parseSize(value)!;
  return Number(value);
}

/** Validated limits over `base`: what is given, in stored units, else the base's value. */
export function normalizeLimits(input: Record<string, Unitful> | undefined, base: Limits): Limits {
  const given = input ?? {};
  return limitsFrom((name) => {
    const value = given[name];
    return value === undefined ? base[name] : toStored(specOf(name).unit, value);
  });
}

const MIN_OUTPUT_RATE = 64 * 1024;

/** The rules between limits; `where` names the limits object in the error. */
export function checkLimits(limits: Limits, where: string): void {
  // tmpfs pages count against the memory cgroup: if the two tmpfs could take the
  // whole limit, a disk fill becomes an OOM with the data pinned.
  if (limits.workspaceSize + limits.tmpSize > limits.memory * 0.75) {
    throw new ConfigError(
      `${where}: workspaceSize + tmpSize (${limits.workspaceSize + limits.tmpSize} bytes) must stay below 75% of memory (${limits.memory} bytes); lower the tmpfs sizes or raise memory`,
    );
  }
  // A pump pays for a whole chunk (up to 64 KiB) after sending it: below this a
  // single chunk would hold the terminal for seconds.
  if (limits.outputRate !== 0 && limits.outputRate < MIN_OUTPUT_RATE) {
    throw new ConfigError(`${where}: outputRate must be 0 (no limit) or at least "64k" per second (got ${limits.outputRate} bytes)`);
  }
  if (limits.timeout > limits.maxTimeout) {
    throw new ConfigError(`${where}: timeout must not exceed maxTimeout`);
  }
}
