import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { HostPort } from './peer-process.js';
import { requireTool } from './tools.js';

/**
 * Headless baresip 1.0 (Debian's baresip-core) as a phone for interop tests, after
 * /work/shared/reference/real-peers/baresip_mkconf.sh: sine source, aubridge sink (no sound card, no busy
 * ALSA threads), a loopback DNS server that answers nothing (the system resolver is off the machine), the
 * adapter as outbound proxy, and ctrl_tcp (netstring JSON) for commands and call events.
 */
export interface BaresipOptions {
  readonly dir: string;
  readonly user: string;
  readonly domain: string;
  readonly password: string;
  /** UDP and TCP here, TLS on the next port: space instances two apart. */
  readonly sipPort: number;
  readonly ctrlPort: number;
  /** The adapter peer it registers with and sends everything through. */
  readonly proxy: HostPort;
}

export async function writeBaresipConfig(o: BaresipOptions): Promise<void> {
  const rtp = 20000 + (o.sipPort % 500) * 20;
  await mkdir(o.dir, { recursive: true });
  const config = [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${o.sipPort}`,
    'call_local_timeout 120',
    'call_max_calls 4',
    'audio_player aubridge,nil',
    'audio_source ausine,440',
    'audio_alert aubridge,nil',
    'ausrc_srate 48000',
    'ausrc_channels 2',
    'audio_level no',
    `rtp_ports ${rtp}-${rtp + 19}`,
    'rtcp_mux no',
    'rtp_stats no',
    // A dead loopback port: the system resolver is off the machine and nothing here needs DNS.
    'dns_server 127.0.0.1:53535',
    'net_interface 127.0.0.1',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module ausine.so',
    'module aubridge.so',
    'module_tmp uuid.so',
    'module_tmp account.so',
    'module_app contact.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${o.ctrlPort}`,
    '',
  ].join('\n');
  const account =
    `<sip:${o.user}@${o.domain}>;auth_user=${o.user};auth_pass=${o.password};` +
    `outbound="sip:${o.proxy.host}:${o.proxy.port}";regint=600;answermode=auto;audio_codecs=PCMU,PCMA\n`;
  await writeFile(join(o.dir, 'config'), config);
  await writeFile(join(o.dir, 'accounts'), account);
  await writeFile(join(o.dir, 'contacts'), '');
}

export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly peeruri?: string;
  readonly direction?: string;
  readonly param?: string;
}

export class Baresip {
  readonly log: string[] = [];
  readonly events: BaresipEvent[] = [];
  readonly #child: ChildProcess;
  readonly #ctrlPort: number;
  #ctrl: Socket | undefined;
  #buf = '';
  readonly #replies: Array<(r: { ok: boolean; data: string }) => void> = [];
  readonly exited: Promise<void>;

  private constructor(child: ChildProcess, ctrlPort: number) {
    this.#child = child;
    this.#ctrlPort = ctrlPort;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => this.log.push(c));
    child.stderr?.on('data', (c: string) => this.log.push(c));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(dir: string, ctrlPort: number): Baresip {
    const child = spawn(requireTool('baresip'), ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Baresip(child, ctrlPort);
  }

  get text(): string {
    return this.log.join('');
  }

  async #connect(): Promise<Socket> {
    if (this.#ctrl !== undefined) return this.#ctrl;
    for (let i = 0; ; i++) {
      try {
        const s = await new Promise<Socket>((resolve, reject) => {
          const c = connect({ host: '127.0.0.1', port: this.#ctrlPort }, () => resolve(c));
          c.once('error', reject);
        });
        s.setEncoding('utf8');
        s.on('data', (chunk: string) => this.#onData(chunk));
        this.#ctrl = s;
        return s;
      } catch (e) {
        if (i >= 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  #onData(chunk: string): void {
    this.#buf += chunk;
    for (;;) {
      const colon = this.#buf.indexOf(':');
      if (colon < 0) return;
      const n = Number(this.#buf.slice(0, colon));
      if (this.#buf.length < colon + 1 + n + 1) return;
      const obj = JSON.parse(this.#buf.slice(colon + 1, colon + 1 + n)) as Record<string, unknown>;
      this.#buf = this.#buf.slice(colon + 1 + n + 1);
      if (obj.event === true) this.events.push(obj as unknown as BaresipEvent);
      else if (obj.response === true)
        this.#replies.shift()?.({ ok: obj.ok === true, data: String(obj.data ?? '') });
    }
  }

  /** One ctrl_tcp command; resolves with baresip's reply. */
  async command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const s = await this.#connect();
    const body = JSON.stringify({ command, params, token: String(this.#replies.length + 1) });
    return new Promise((resolve) => {
      this.#replies.push(resolve);
      s.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /** Waits for an event of `type` (optionally about `peer`) that arrived at or after index `from`. */
  async waitEvent(type: string, from: number, timeoutMs: number): Promise<BaresipEvent> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const e = this.events.slice(from).find((x) => x.type === type);
      if (e !== undefined) return e;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `no ${type} event within ${timeoutMs} ms; events: ${this.events.map((e) => e.type).join(' ')}`,
    );
  }

  /** Asks it to quit, then kills it by PID if it has not gone within a second. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const quit = JSON.stringify({ command: 'quit', params: '', token: 'quit' });
    this.#ctrl?.write(`${Buffer.byteLength(quit)}:${quit},`);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 1000);
    await this.exited;
    clearTimeout(timer);
    this.#ctrl?.destroy();
  }
}
