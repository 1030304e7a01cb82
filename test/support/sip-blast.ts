import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { createRequest, parseDatagram, serializeMessage } from '../../src/sip/message/index.js';
import type { HostPort } from './peer-process.js';

/**
 * Sending fuzzed SIP into a live peer as fast as it reads it. UDP has no flow control and the kernel drops
 * what overflows the peer's socket buffer, so datagrams go in bursts that fit in it, each followed by an
 * OPTIONS to the peer itself from a second socket: the peer reads its socket in order, so the 200 means the
 * burst was read and the next one may go. TCP: one connection per stream (`streamConnections`), several at
 * once, each written whole and half-closed.
 */
export interface UdpBlast {
  /** Fuzzed datagrams sent. */
  readonly sent: number;
  /** OPTIONS probes sent, resends included: the peer reads these too. */
  readonly probes: number;
}

/** A burst this size of fuzzed datagrams (< 2 KB each in memory) fits the default 208 KB socket buffer. */
const BURST = 32;
const PROBE_WAIT_MS = 1000;
const PROBE_TRIES = 10;

function bind(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function close(s: Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** RFC 3261 §11: an OPTIONS to the peer itself (no user part), answered 200 by the adapter. */
function probe(target: HostPort, localPort: number, n: number): Uint8Array {
  const tag = `probe-${n}`;
  return serializeMessage(
    createRequest('OPTIONS', `sip:${target.host}:${target.port}`, [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${tag};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:prober@fuzz.test>;tag=${tag}`],
      ['To', `<sip:${target.host}:${target.port}>`],
      ['Call-ID', `${tag}@fuzz.test`],
      ['CSeq', `${n + 1} OPTIONS`],
    ]),
  );
}

/** Sends `messages` (pulled a burst at a time, so a generator makes them while the peer reads). */
export async function blastUdp(target: HostPort, messages: Iterable<Uint8Array>): Promise<UdpBlast> {
  const blaster = await bind();
  const prober = await bind();
  // The peer's answers to the fuzz (400, 401, 404, 481, ...) are read and dropped.
  blaster.on('message', () => undefined);
  const answered = new Set<string>();
  let wake: (() => void) | undefined;
  prober.on('message', (b: Buffer) => {
    const callId = parseDatagram(new Uint8Array(b)).callId();
    if (callId !== undefined) answered.add(callId);
    wake?.();
  });
  const send = (s: Socket, m: Uint8Array): Promise<void> =>
    new Promise((resolve, reject) =>
      s.send(m, target.port, target.host, (e) => (e === null || e === undefined ? resolve() : reject(e))),
    );
  /** Whether the probe `callId` was answered within PROBE_WAIT_MS. */
  const answer = (callId: string): Promise<boolean> =>
    new Promise((resolve) => {
      if (answered.delete(callId)) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => resolve(false), PROBE_WAIT_MS);
      wake = () => {
        if (!answered.delete(callId)) return;
        clearTimeout(timer);
        resolve(true);
      };
    });
  let sent = 0;
  let probes = 0;
  try {
    const source = messages[Symbol.iterator]();
    const take = (): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (let r = source.next(); r.done !== true; r = source.next()) {
        out.push(r.value);
        if (out.length === BURST) break;
      }
      return out;
    };
    let burst = take();
    for (let n = 0; burst.length > 0; n++) {
      await Promise.all(burst.map((m) => send(blaster, m)));
      sent += burst.length;
      const callId = `probe-${n}@fuzz.test`;
      const p = probe(target, prober.address().port, n);
      await send(prober, p);
      probes++;
      // The next burst is made while the peer reads this one.
      burst = take();
      for (let tries = 1; !(await answer(callId)); tries++) {
        if (tries === PROBE_TRIES)
          throw new Error(`the peer stopped answering OPTIONS after ${sent} datagrams`);
        await send(prober, p);
        probes++;
      }
    }
  } finally {
    await Promise.all([close(blaster), close(prober)]);
  }
  return { sent, probes };
}

/** Opens one connection per stream, `parallel` at a time; resolves to how many connected. */
export async function blastTcp(
  target: HostPort,
  streams: Iterable<Uint8Array>,
  parallel = 16,
): Promise<number> {
  const source = streams[Symbol.iterator]();
  let connected = 0;
  const one = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      const c = connect({ host: target.host, port: target.port }, () => {
        connected++;
        c.end(bytes);
      });
      c.on('data', () => undefined);
      // The peer closes a stream it cannot parse, possibly with our answer unread: a reset is expected.
      c.on('error', () => undefined);
      c.setTimeout(30_000, () => c.destroy());
      c.once('close', () => resolve());
    });
  const worker = async (): Promise<void> => {
    for (let r = source.next(); r.done !== true; r = source.next()) await one(r.value);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return connected;
}
