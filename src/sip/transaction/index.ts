export * from './client.js';
export * from './keys.js';
export * from './machine.js';
export * from './manager.js';
export * from './server.js';
export * from './timers.js';
export * from './types.js';
