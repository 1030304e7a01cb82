import { defineCodes } from '../../core/codes.js';

/**
 * Every RELOAD code space, each defined once (RFC 6940 §14 IANA registries, plus RFC 7851, RFC 7363,
 * RFC 7904, RFC 7374, RFC 7263 and RFC 8076 additions). Each value was checked against the RFC text. The tables are open: codecs carry unknown values through as
 * numbers, and the handlers decide whether that is an error (Error_Unknown_Kind, ...).
 */

/** RFC 6940 §14.8 message codes; requests are odd, answers = request + 1; 0xFFFF is error. */
export const MessageCode = defineCodes('MessageCode', {
  probe_req: 0x0001,
  probe_ans: 0x0002,
  attach_req: 0x0003,
  attach_ans: 0x0004,
  store_req: 0x0007,
  store_ans: 0x0008,
  fetch_req: 0x0009,
  fetch_ans: 0x000a,
  find_req: 0x000d,
  find_ans: 0x000e,
  join_req: 0x000f,
  join_ans: 0x0010,
  leave_req: 0x0011,
  leave_ans: 0x0012,
  update_req: 0x0013,
  update_ans: 0x0014,
  route_query_req: 0x0015,
  route_query_ans: 0x0016,
  ping_req: 0x0017,
  ping_ans: 0x0018,
  stat_req: 0x0019,
  stat_ans: 0x001a,
  app_attach_req: 0x001d,
  app_attach_ans: 0x001e,
  config_update_req: 0x0021,
  config_update_ans: 0x0022,
  exp_a_req: 0x0023,
  exp_a_ans: 0x0024,
  exp_b_req: 0x0025,
  exp_b_ans: 0x0026,
  /** RFC 7851 §9.3 (Wireshark still uses the draft values 101/102). */
  path_track_req: 0x0027,
  path_track_ans: 0x0028,
  error: 0xffff,
});

export function isRequestCode(code: number): boolean {
  return code !== 0 && code < 0x8000 && code % 2 === 1;
}

export function isAnswerCode(code: number): boolean {
  return code === MessageCode.error || (code !== 0 && code < 0x8000 && code % 2 === 0);
}

/** The answer code that goes with a request code (RFC 6940 §6.3.3: answer = request + 1). */
export function answerCodeFor(requestCode: number): number {
  return requestCode + 1;
}

/** RFC 6940 §14.9 error codes (0x1 is unassigned), with RFC 7851 §9.4 additions (Wireshark: 101–106). */
export const ErrorCode = defineCodes('ErrorCode', {
  invalid: 0x0000,
  Error_Forbidden: 0x0002,
  Error_Not_Found: 0x0003,
  Error_Request_Timeout: 0x0004,
  Error_Generation_Counter_Too_Low: 0x0005,
  Error_Incompatible_with_Overlay: 0x0006,
  Error_Unsupported_Forwarding_Option: 0x0007,
  Error_Data_Too_Large: 0x0008,
  Error_Data_Too_Old: 0x0009,
  Error_TTL_Exceeded: 0x000a,
  Error_Message_Too_Large: 0x000b,
  Error_Unknown_Kind: 0x000c,
  Error_Unknown_Extension: 0x000d,
  Error_Response_Too_Large: 0x000e,
  Error_Config_Too_Old: 0x000f,
  Error_Config_Too_New: 0x0010,
  Error_In_Progress: 0x0011,
  Error_Exp_A: 0x0012,
  Error_Exp_B: 0x0013,
  Error_Invalid_Message: 0x0014,
  Error_Underlay_Destination_Unreachable: 0x0015,
  Error_Underlay_Time_Exceeded: 0x0016,
  Error_Message_Expired: 0x0017,
  Error_Upstream_Misrouting: 0x0018,
  Error_Loop_Detected: 0x0019,
  Error_TTL_Hops_Exceeded: 0x001a,
});

/**
 * RFC 6940 §14.6 Data Kind-IDs, plus SIP-REGISTRATION (RFC 7904 §9.1), ACCESS-CONTROL-LIST (RFC 8076 IANA
 * considerations) and REDIR (RFC 7374 §10.3; Wireshark uses 104 decimal).
 */
export const KindCode = defineCodes('KindCode', {
  INVALID: 0x0,
  SIP_REGISTRATION: 0x1,
  TURN_SERVICE: 0x2,
  CERTIFICATE_BY_NODE: 0x3,
  ACCESS_CONTROL_LIST: 0x4,
  CERTIFICATE_BY_USER: 0x10,
  REDIR: 0x104,
});

/** RFC 6940 §14.6: 0xF0000001–0xFFFFFFFE are private Kind-IDs, defined by the configuration alone. */
export const FIRST_PRIVATE_KIND_ID = 0xf000_0001;

/** RFC 6940 §6.3.2.2 DestinationType. */
export const DestinationType = defineCodes('DestinationType', {
  invalid: 0,
  node: 1,
  resource: 2,
  opaque_id_type: 3,
});

/** RFC 6940 §6.3.2.3 ForwardingOptionType (§14.12 registry) and RFC 7263 §8.1 extensive_routing_mode. */
export const ForwardingOptionType = defineCodes('ForwardingOptionType', {
  invalid: 0,
  exp_forward: 1,
  extensive_routing_mode: 2,
});

/** RFC 6940 §6.3.2.3 forwarding option flags. */
export const ForwardingOptionFlag = {
  FORWARD_CRITICAL: 0x01,
  DESTINATION_CRITICAL: 0x02,
  RESPONSE_COPY: 0x04,
} as const;

/**
 * RFC 6940 §6.3.3 MessageExtensionType (§14.14 registry), RFC 7851 §9.5 (Diagnostic_Ping) and RFC 7363 §9.1
 * (self_tuning_data). Wireshark 4.0 swaps 2 and 3 (draft values).
 */
export const MessageExtensionType = defineCodes('MessageExtensionType', {
  invalid: 0x0000,
  exp_ext: 0x0001,
  Diagnostic_Ping: 0x0002,
  self_tuning_data: 0x0003,
});

/** RFC 6940 §6.5.1.1 OverlayLinkType (§14.10 registry; 2 is unused). */
export const OverlayLinkType = defineCodes('OverlayLinkType', {
  INVALID_PROTOCOL: 0,
  DTLS_UDP_SR: 1,
  DTLS_UDP_SR_NO_ICE: 3,
  TLS_TCP_FH_NO_ICE: 4,
  EXP_LINK: 5,
});

/** RFC 6940 §6.5.1.1 CandType (3, once prflx, is reserved). */
export const CandType = defineCodes('CandType', {
  reserved: 0,
  host: 1,
  srflx: 2,
  prflx: 3,
  relay: 4,
});

/** RFC 6940 §6.3.1.1 AddressType of IpAddressPort. */
export const AddressType = defineCodes('AddressType', {
  reserved: 0,
  ipv4_address: 1,
  ipv6_address: 2,
});

/** RFC 6940 §6.3.4 SignerIdentityType. */
export const SignerIdentityType = defineCodes('SignerIdentityType', {
  reserved: 0,
  cert_hash: 1,
  cert_hash_node_id: 2,
  none: 3,
});

/** RFC 5246 §7.4.1.4.1 HashAlgorithm values as RELOAD uses them in SignatureAndHashAlgorithm. */
export const HashAlgorithm = defineCodes('HashAlgorithm', {
  none: 0,
  md5: 1,
  sha1: 2,
  sha224: 3,
  sha256: 4,
  sha384: 5,
  sha512: 6,
});

/** RFC 5246 §7.4.1.4.1 SignatureAlgorithm. */
export const SignatureAlgorithm = defineCodes('SignatureAlgorithm', {
  anonymous: 0,
  rsa: 1,
  dsa: 2,
  ecdsa: 3,
});

/** RFC 6091 CertificateType used in GenericCertificate (RFC 6940 §6.3.4). */
export const CertificateType = defineCodes('CertificateType', {
  X509: 0,
  OpenPGP: 1,
});

/** RFC 6940 §6.4.2.5.1 ProbeInformationType (§14.13 registry). */
export const ProbeInformationType = defineCodes('ProbeInformationType', {
  invalid: 0,
  responsible_set: 1,
  num_resources: 2,
  uptime: 3,
  exp_probe: 4,
});

/** RFC 6940 §6.6.2 FramedMessageType. */
export const FramedMessageType = defineCodes('FramedMessageType', {
  data: 128,
  ack: 129,
});

/** RFC 6940 §6.5.4.1 ConfigUpdateType. */
export const ConfigUpdateType = defineCodes('ConfigUpdateType', {
  reserved: 0,
  config: 1,
  kind: 2,
});

/** RFC 6940 §10.7 ChordUpdateType. */
export const ChordUpdateType = defineCodes('ChordUpdateType', {
  reserved: 0,
  peer_ready: 1,
  neighbors: 2,
  full: 3,
});

/** RFC 6940 §10.9 ChordLeaveType. */
export const ChordLeaveType = defineCodes('ChordLeaveType', {
  reserved: 0,
  from_succ: 1,
  from_pred: 2,
});

/** RFC 7904 §3.2 SipRegistrationType. */
export const SipRegistrationType = defineCodes('SipRegistrationType', {
  sip_registration_uri: 1,
  sip_registration_route: 2,
});

/** RFC 6940 §14.5 Application-IDs used by AppAttach (both 5060 and 5061 are reserved for the SIP usage). */
export const ApplicationId = defineCodes('ApplicationId', {
  invalid: 0,
  SIP: 5060,
  SIPS: 5061,
});

/** RFC 7851 §9.2 diagnostic kinds (DiagnosticInfo.kind); their dMFlags bits are in §9.1. */
export const DiagnosticKind = defineCodes('DiagnosticKind', {
  reserved: 0x0000,
  STATUS_INFO: 0x0001,
  ROUTING_TABLE_SIZE: 0x0002,
  PROCESS_POWER: 0x0003,
  UPSTREAM_BANDWIDTH: 0x0004,
  DOWNSTREAM_BANDWIDTH: 0x0005,
  SOFTWARE_VERSION: 0x0006,
  MACHINE_UPTIME: 0x0007,
  APP_UPTIME: 0x0008,
  MEMORY_FOOTPRINT: 0x0009,
  DATASIZE_STORED: 0x000a,
  INSTANCES_STORED: 0x000b,
  MESSAGES_SENT_RCVD: 0x000c,
  EWMA_BYTES_SENT: 0x000d,
  EWMA_BYTES_RCVD: 0x000e,
  UNDERLAY_HOP: 0x000f,
  BATTERY_STATUS: 0x0010,
});

/** RFC 7851 §9.1: the dMFlags bit that requests diagnostic kind `k` is 1 << k (bit 0 is reserved). */
export function diagnosticFlag(kind: number): bigint {
  return 1n << BigInt(kind);
}

/** RELOAD constants of the forwarding header (RFC 6940 §6.3.2). */
export const RELO_TOKEN = 0xd2454c4f;
export const RELOAD_VERSION = 0x0a;
export const FRAGMENT_BIT = 0x8000_0000;
export const LAST_FRAGMENT_BIT = 0x4000_0000;
export const FRAGMENT_OFFSET_MASK = 0x00ff_ffff;
/** The size of the fixed part of the forwarding header, before the via, destination and option lists. */
export const FORWARDING_HEADER_FIXED_LENGTH = 38;
