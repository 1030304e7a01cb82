export * from './codec.js';
export * from './codec-error.js';
export * from './context.js';
export * from './reader.js';
export * from './writer.js';
