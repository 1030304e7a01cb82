import { MessageCode } from '../messages/codes.js';

/**
 * Counters of the message layer, read by /status and /metrics (Prometheus in dashboard/). Plain numbers:
 * incrementing them must cost nothing on the forwarding path.
 */
export class TransportStats {
  bytesIn = 0;
  bytesOut = 0;
  forwarded = 0;
  /** Messages routed again because the link they went out on turned suspect (hop-by-hop recovery). */
  rerouted = 0;
  retransmissions = 0;
  readonly messagesIn = new Map<string, number>();
  readonly messagesOut = new Map<string, number>();
  readonly dropped = new Map<string, number>();

  countIn(code: number | undefined): void {
    const name = code === undefined ? 'fragment' : String(MessageCode.nameOf(code) ?? 'unknown');
    this.messagesIn.set(name, (this.messagesIn.get(name) ?? 0) + 1);
  }

  countOut(code: number): void {
    const name = String(MessageCode.nameOf(code) ?? 'unknown');
    this.messagesOut.set(name, (this.messagesOut.get(name) ?? 0) + 1);
  }

  drop(reason: string): void {
    // Keep the label set bounded: the reason's first words name its kind.
    const kind = reason.split(':')[0]?.slice(0, 60) ?? 'unknown';
    this.dropped.set(kind, (this.dropped.get(kind) ?? 0) + 1);
  }
}
