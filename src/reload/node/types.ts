import type { NodeId, TransactionId } from '../../core/ids.js';
import type { Destination } from '../messages/common.js';
import type { MessageExtension } from '../messages/contents.js';
import type { ForwardingHeader } from '../messages/header.js';
import type { GenericCertificate } from '../messages/security.js';
import type { LinkId } from '../routing/types.js';
import type { Signer } from '../security/signer.js';
import type { VerifiedSigner } from './ports.js';

/** What the node asks its driver (platform/node or the simulator) to do. */
export type NodeOutput =
  /** Write these bytes to the link's TLS stream. */
  | { readonly type: 'transmit'; readonly link: LinkId; readonly bytes: Uint8Array }
  /**
   * Open a TLS connection as client to host:port and report it with `linkUp` (or `linkClosed` on failure).
   * `expected` is the Node-ID the server must authenticate as; undefined for bootstrap nodes.
   */
  | {
      readonly type: 'connect';
      readonly link: LinkId;
      readonly host: string;
      readonly port: number;
      readonly expected: NodeId | undefined;
    }
  /** Close the connection (after flushing what was already transmitted). */
  | { readonly type: 'close'; readonly link: LinkId; readonly reason: string };

/**
 * The inputs a driver gives a node (or its message transport) and the outputs and deadline it takes back:
 * platform/node drives it with sockets and the wall clock, tests and the simulator in memory.
 */
export interface DrivableNode {
  pollOutput(): NodeOutput | undefined;
  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean;
  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined;
  linkData(link: LinkId, bytes: Uint8Array, now: number): void;
  linkClosed(link: LinkId, reason: string, now: number): void;
  handleTimeout(now: number): void;
  nextDeadline(): number | undefined;
}

/** A request to send (RFC 6940 §6.3.3 MessageContents plus where it goes). */
export interface RequestSpec {
  readonly destination: readonly Destination[];
  readonly code: number;
  readonly body: Uint8Array;
  readonly extensions?: readonly MessageExtension[];
  /** Force the first hop (a joining node's bootstrap link, RFC 6940 §11.4). */
  readonly via?: LinkId;
  /** Override the reliability timer (ms) for this request. */
  readonly retransmitInterval?: number;
  /** Fewer transmissions (1 = no end-to-end retransmission, for liveness probes). */
  readonly maxTransmissions?: number;
  /**
   * Certificates added to the SecurityBlock bucket besides our own: those that verify the StoredData
   * signatures inside the message (RFC 6940 §6.3.4), e.g. in a replica Store.
   */
  readonly certificates?: readonly GenericCertificate[];
  /** Sign with this identity instead of the node's (see MessageSecurity.sign). */
  readonly signer?: Signer;
  /**
   * The forwarding header's configuration_sequence instead of ours: a ConfigUpdate carries 65535 so that
   * a receiver with any sequence accepts it (RFC 6940 §6.3.2.1).
   */
  readonly configurationSequence?: number;
}

export interface Answer {
  readonly ok: true;
  readonly code: number;
  readonly body: Uint8Array;
  readonly extensions: readonly MessageExtension[];
  readonly signer: VerifiedSigner;
  /** The answer's SecurityBlock bucket: also the certificates of the StoredData it carries (§6.3.4). */
  readonly certificates: readonly GenericCertificate[];
  readonly header: ForwardingHeader;
  /** Time from first transmission to the answer (ms). */
  readonly rtt: number;
}

export interface Failure {
  readonly ok: false;
  /** An ErrorResponse code (RFC 6940 §6.3.3.1); Error_Request_Timeout when no answer came. */
  readonly errorCode: number;
  readonly info: Uint8Array;
  readonly reason: string;
  readonly signer: VerifiedSigner | undefined;
}

export type RequestResult = Answer | Failure;

/** A request delivered to this node, handed to the handler for its code. */
export interface IncomingRequest {
  readonly code: number;
  readonly body: Uint8Array;
  readonly extensions: readonly MessageExtension[];
  readonly header: ForwardingHeader;
  readonly signer: VerifiedSigner;
  /** The request's SecurityBlock bucket: also the certificates of the StoredData it carries (§6.3.4). */
  readonly certificates: readonly GenericCertificate[];
  readonly transactionId: TransactionId;
  /** The link it arrived on (undefined when this node sent it to itself). */
  readonly link: LinkId | undefined;
  /** The authenticated Node-ID of the link peer it arrived from. */
  readonly previousHop: NodeId | undefined;
  readonly now: number;
  /** `certificates` join our own in the answer's bucket (those of the StoredData in a FetchAns). */
  answer(
    body: Uint8Array,
    extensions?: readonly MessageExtension[],
    certificates?: readonly GenericCertificate[],
  ): void;
  error(code: number, info?: string | Uint8Array): void;
}

export type RequestHandler = (req: IncomingRequest) => void;
