export * from './schema.js';
export * from './units.js';
export * from './normalize.js';
export * from './block.js';
export {LIMIT_NAMES, LIMIT_TABLE, type LimitName, type LimitSpec, type LimitUnit} from './limits.js';
