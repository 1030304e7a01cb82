/**
 * The RELOAD wire codec (RFC 6940 with RFC 7851, RFC 7363, RFC 7904 additions): every PDU, the message
 * body dispatch table and the signature inputs. Layers above import from here.
 */
export * from './app-attach.js';
export * from './attach.js';
export * from './bodies.js';
export * from './chord.js';
export * from './codes.js';
export * from './common.js';
export * from './config-update.js';
export * from './contents.js';
export * from './data-model.js';
export * from './diagnostic-info.js';
export * from './diagnostics.js';
export * from './error.js';
export * from './fetch.js';
export * from './find.js';
export * from './framing.js';
export * from './header.js';
export * from './join.js';
export * from './leave.js';
export * from './message.js';
export * from './path-track.js';
export * from './ping.js';
export * from './probe.js';
export * from './route-query.js';
export * from './security.js';
export * from './self-tuning.js';
export * from './signature-input.js';
export * from './sip-registration.js';
export * from './stat.js';
export * from './store.js';
export * from './stored-data.js';
export * from './turn-service.js';
export * from './update.js';
