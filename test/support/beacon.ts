import type { Beacon } from '../../src/discovery/dns-sd.js';

/** A joined p2psip peer as LAN discovery announces it (DNS-SD instance, overlay, fingerprint, addresses). */
export const BEACON: Beacon = {
  instance: 'p2psip-0a1b2c3d4e5f',
  overlay: 'local.p2psip',
  fingerprint: '317499ef98052c2f19b91d957299f1ac',
  state: 'joined',
  address: '10.77.0.2',
  port: 6084,
  nodeId: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  configPort: 40123,
};
