import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { requireTool } from '../test/support/tools.js';

/**
 * A stopwatch for SIP on the wire: tshark captures one UDP port on loopback (kernel timestamps, µs), and
 * the capture is read back as SIP. SIPp's own response times tick in whole milliseconds, too coarse for
 * a proxy on 127.0.0.1.
 */
export interface SipPacket {
  /** Seconds since the epoch. */
  readonly time: number;
  readonly callId: string;
  readonly cseq: number;
  readonly cseqMethod: string;
  /** A request's method, or undefined for a response. */
  readonly method: string | undefined;
  /** A response's status, or undefined for a request. */
  readonly status: number | undefined;
}

export interface Capture {
  /** Stops tshark (by PID) and returns the SIP messages it saw, in capture order. */
  stop(): Promise<SipPacket[]>;
}

export async function captureSip(dir: string, port: number): Promise<Capture> {
  const tshark = requireTool('tshark');
  const file = join(dir, `sip-${port}.pcap`);
  const child = spawn(tshark, ['-i', 'lo', '-f', `udp port ${port}`, '-w', file, '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await started(child);
  return {
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGINT');
      await exited;
      return read(tshark, file, port);
    },
  };
}

/** tshark says "Capture started." on stderr once packets are being recorded. */
function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 30_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => {
      err += c;
      if (err.includes('Capture started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited with ${code}: ${err}`));
    });
  });
}

function read(tshark: string, file: string, port: number): Promise<SipPacket[]> {
  const fields = [
    'frame.time_epoch',
    'sip.Call-ID',
    'sip.CSeq.seq',
    'sip.CSeq.method',
    'sip.Method',
    'sip.Status-Code',
  ];
  const args = ['-r', file, '-d', `udp.port==${port},sip`, '-Y', 'sip', '-T', 'fields', '-E', 'separator=;'];
  for (const f of fields) args.push('-e', f);
  return new Promise((resolve, reject) =>
    execFile(tshark, args, { maxBuffer: 256 * 1024 * 1024 }, (e, stdout) => {
      if (e !== null) {
        reject(e);
        return;
      }
      const packets = stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l): SipPacket => {
          const [time, callId, cseq, cseqMethod, method, status] = l.split(';');
          return {
            time: Number(time),
            callId: callId ?? '',
            cseq: Number(cseq),
            cseqMethod: cseqMethod ?? '',
            method: method === '' ? undefined : method,
            status: status === '' || status === undefined ? undefined : Number(status),
          };
        });
      resolve(packets);
    }),
  );
}
