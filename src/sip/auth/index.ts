export * from './client.js';
export * from './digest.js';
export * from './nonce.js';
export * from './server.js';
