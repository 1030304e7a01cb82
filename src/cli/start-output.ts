/**
 * What `p2psip start` prints (DESIGN §4): a few lines for a person, or with --json one object for scripts,
 * `{overlay, nodeId, listen, sip, control, user?, password?}` plus what else the lines say.
 */
export interface StartSummary {
  readonly overlay: string;
  readonly fingerprint: string;
  /** How this home got the overlay. */
  readonly origin: 'home' | 'created' | 'lan';
  readonly nodeId: string;
  readonly state: 'joining' | 'joined' | 'leaving';
  /** Peers in view, this one included. */
  readonly peers: number;
  readonly listen: string;
  /** The SIP registrar (UDP and TCP), or null with --no-sip. */
  readonly sip: string | null;
  readonly control: string;
  /** The first SIP user and its password, only on the run that created them. */
  readonly user?: string;
  readonly password?: string;
  readonly instance: number;
  readonly dataDir: string;
  readonly log: string;
}

export function summaryJson(s: StartSummary): string {
  return `${JSON.stringify({
    overlay: s.overlay,
    nodeId: s.nodeId,
    listen: s.listen,
    sip: s.sip,
    control: s.control,
    ...(s.user === undefined ? {} : { user: s.user }),
    ...(s.password === undefined ? {} : { password: s.password }),
    state: s.state,
    peers: s.peers,
    fingerprint: s.fingerprint,
    instance: s.instance,
    data: s.dataDir,
  })}\n`;
}

const ORIGIN: Readonly<Record<StartSummary['origin'], string>> = {
  created: 'a new self-signed overlay, created here',
  lan: 'joined: its document came from a peer on the LAN',
  home: 'from this data directory',
};

export function peersLine(s: Pick<StartSummary, 'state' | 'peers' | 'overlay'>): string {
  if (s.state !== 'joined') {
    return `none found yet: still looking for peers of ${s.overlay} (cached peers, bootstrap nodes and servers, LAN)`;
  }
  if (s.peers <= 1) return '1 (this one alone)';
  return `${s.peers} in view, this one included`;
}

export function summaryText(s: StartSummary): string {
  const row = (k: string, v: string): string => `  ${k.padEnd(10)} ${v}`;
  const softphone =
    s.sip === null
      ? ['none (--no-sip)']
      : [
          `registrar ${s.sip} (UDP or TCP; TLS on the next port)`,
          ...(s.user === undefined
            ? []
            : s.password === undefined
              ? [`user ${s.user}  (its password was shown when it was made)`]
              : [`user ${s.user}  password ${s.password}  (shown this once)`]),
          `more users: p2psip users add --identity ${s.dataDir} --user NAME@${s.overlay} --password PW`,
        ];
  return `${[
    `p2psip is running in overlay ${s.overlay} (${ORIGIN[s.origin]})`,
    row('node', `${s.nodeId}  (instance ${s.instance}, ${s.dataDir})`),
    row('peers', peersLine(s)),
    row('reload', `${s.listen}  (fingerprint ${s.fingerprint})`),
    row('softphone', softphone[0] ?? ''),
    ...softphone.slice(1).map((l) => row('', l)),
    row('control', `http://${s.control}/  (p2psip status --control ${s.control})`),
    row('log', s.log),
    'Ctrl-C leaves the overlay.',
  ].join('\n')}\n`;
}
