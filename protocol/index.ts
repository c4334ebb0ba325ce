export * from './ids.js';
export * from './topics.js';
export * from './errors.js';
export * from './schemas.js';
export * from './validate.js';
export * from './bridge.js';
export * from './log.js';
export * from './clock.js';
