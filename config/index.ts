export * from './schema.js';
export * from './units.js';
export * from './normalize.js';
export * from './block.js';
