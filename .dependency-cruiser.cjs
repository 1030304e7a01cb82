// The layer arrows of DESIGN §2, checked on every `npm test`.
// Imports point down only: core ← wire ← reload/messages ← reload/* ← usages ← sip/peer ← platform ← cli/dashboard.
// A rule names what a folder may NOT import; each comment says why.
const IO_BUILTINS =
  '^(node:)?(net|tls|dgram|http|https|http2|fs|fs/promises|child_process|cluster|worker_threads|readline|dns|os)$';

const layer = (name, from, forbidden, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: forbidden },
});

module.exports = {
  forbidden: [
    layer('core-is-the-bottom', '^src/core/', '^src/(?!core/)', 'core depends on nothing in src'),
    layer('wire-on-core-only', '^src/wire/', '^src/(?!core/|wire/)', 'wire sits directly on core'),
    layer(
      'messages-on-wire',
      '^src/reload/messages/',
      '^src/(?!core/|wire/|reload/messages/)',
      'the PDU codecs know nothing of the protocol machinery above them',
    ),
    layer(
      'reload-below-usages',
      '^src/reload/',
      '^src/(?!core/|wire/|reload/)',
      'RELOAD must not know usages, SIP, roles, the simulator or the platform',
    ),
    layer(
      'chord-not-storage',
      '^src/reload/topology/',
      '^src/reload/storage/',
      'topology and storage meet only in reload/node.ts',
    ),
    layer(
      'storage-not-chord',
      '^src/reload/storage/',
      '^src/reload/topology/',
      'topology and storage meet only in reload/node.ts',
    ),
    layer('usages-on-reload', '^src/usages/', '^src/(?!core/|wire/|reload/|usages/)', 'usages sit on RELOAD'),
    layer(
      'sip-stands-alone',
      '^src/sip/',
      '^src/(?!core/|wire/|sip/)',
      'the SIP stack is independent of RELOAD',
    ),
    layer(
      'discovery-stands-alone',
      '^src/discovery/',
      '^src/(?!core/|wire/|discovery/)',
      'LAN discovery (DNS-SD over mDNS) is a codec and a state machine on core and wire only',
    ),
    layer(
      'peer-on-usages-and-sip',
      '^src/peer/',
      '^src/(platform|cli|dashboard|sim|enrollment)/',
      'roles are composed from reload, usages and sip only',
    ),
    layer(
      'enrollment-below-platform',
      '^src/enrollment/',
      '^src/(platform|cli|dashboard|sim|peer|sip)/',
      'enrollment logic is sans-I/O; platform/node serves it',
    ),
    layer(
      'sim-never-touches-platform',
      '^src/sim/',
      '^src/(platform|cli|dashboard)/',
      'the simulator runs the same cores with no sockets and no real timers',
    ),
    layer('platform-below-apps', '^src/platform/', '^src/(cli|dashboard)/', 'apps sit on the platform'),
    layer(
      'dashboard-not-cli',
      '^src/dashboard/',
      '^src/cli/',
      'the CLI uses the dashboard API, not the reverse',
    ),
    {
      name: 'io-only-in-platform',
      comment: 'only src/platform/node touches sockets, files and processes (DESIGN §2, sans-I/O cores)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/platform/node/' },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'simulated-signatures-only-in-sim',
      comment:
        'SimulatedSigner/SimulatedVerifier prove nothing about a signer: only the simulator (and tests) may use them',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/sim/' },
      to: { path: '^src/reload/security/simulated' },
    },
    {
      name: 'no-crypto-in-codec',
      comment: 'core and wire are pure byte handling',
      severity: 'error',
      from: { path: '^src/(core|wire)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      comment: 'cycles hide layering mistakes',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-test',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
