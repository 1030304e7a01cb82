import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeFrame, MessageCode, MessageExtensionType } from '../../src/reload/messages/index.js';
import { hexdump } from '../support/hexdump.js';
import { type Sample, sampleMessages } from '../support/reload-samples.js';
import { makeTestIdentity } from '../support/test-identity.js';
import { requireTool } from '../support/tools.js';

/**
 * Wireshark's `reload` and `reload-framing` dissectors (tshark) as an independent decoder of our codec:
 * one signed message of every method, answer and a few errors, each in a FramedMessage on TCP port 6084
 * (the reload-framing default), must be recognised with the right message code, have its body structure
 * dissected, and raise no malformed-packet or error-level expert info.
 *
 * Where Wireshark 4.0 still uses draft numbers (reload-digest §17.3) the codec follows the RFC and the
 * check leaves out only what those numbers change:
 * - PathTrack is 0x27/0x28 in RFC 7851 §9.3 but 101/102 in Wireshark, which therefore shows the codes as
 *   unknown and does not dissect the body: we check the code and the absence of errors, not the body.
 * - Diagnostic_Ping is extension 2 (RFC 7851 §9.5) and self_tuning_data 3 (RFC 7363 §9.1); Wireshark
 *   swaps them and decodes each extension's contents as the other structure: we check the type numbers on
 *   the wire, not Wireshark's decoding of those contents.
 * - The RFC 7851 error codes 0x15–0x1A are numbered 101–106 in Wireshark: only the numeric code is checked.
 */

/** The structure Wireshark must have dissected in the body, per message label (undefined: none to see). */
const BODY_FIELD: Readonly<Record<string, string | undefined>> = {
  probe_req: 'reload.probereq',
  probe_ans: 'reload.probeans',
  attach_req: 'reload.attachreqans',
  attach_ans: 'reload.attachreqans',
  store_req: 'reload.storereq',
  store_ans: 'reload.storeans',
  fetch_req: 'reload.fetchreq',
  fetch_ans: 'reload.fetchans',
  find_req: 'reload.findreq',
  find_ans: 'reload.findans',
  join_req: 'reload.joinreq',
  join_ans: 'reload.joinans',
  leave_req: 'reload.chordleavedata',
  update_req: 'reload.chordupdate',
  route_query_req: 'reload.routequeryreq',
  route_query_ans: 'reload.chordroutequeryans',
  ping_req: 'reload.pingreq',
  ping_ans: 'reload.pingans',
  stat_req: 'reload.statreq',
  stat_ans: 'reload.statans',
  app_attach_req: 'reload.appattachreq',
  app_attach_ans: 'reload.appattachans',
  config_update_req: 'reload.configupdatereq',
  error: 'reload.error_response',
};

/** Wireshark's PI_ERROR severity (epan/proto.h); warnings (e.g. TCP analysis) are not codec faults. */
const PI_ERROR = 0x80_0000;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Every value of `key` anywhere in the tree (subtrees appear as `key_tree`). */
function valuesOf(tree: Json, key: string, out: Json[] = []): Json[] {
  if (Array.isArray(tree)) for (const t of tree) valuesOf(t, key, out);
  else if (tree !== null && typeof tree === 'object') {
    for (const [k, v] of Object.entries(tree)) {
      if (k === key || k === `${key}_tree`) out.push(v);
      valuesOf(v, key, out);
    }
  }
  return out;
}

/** Malformed markers and error-level expert infos anywhere in the packet. */
function faults(layers: Json): string[] {
  const out = valuesOf(layers, '_ws.malformed').map((v) => `malformed: ${JSON.stringify(v)}`);
  for (const e of valuesOf(layers, '_ws.expert')) {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) continue;
    if (Number(e['_ws.expert.severity']) >= PI_ERROR)
      out.push(`expert error: ${String(e['_ws.expert.message'])}`);
  }
  return out;
}

describe('RELOAD codec against tshark', () => {
  let dir = '';
  let samples: Sample[] = [];
  let packets: Json[] = [];

  before(async () => {
    const tshark = requireTool('tshark');
    const text2pcap = requireTool('text2pcap');
    dir = mkdtempSync(join(tmpdir(), 'p2psip-tshark-'));
    samples = await sampleMessages(await makeTestIdentity('11'.repeat(16), 'alice@example.org'));
    let text = '';
    samples.forEach((s, i) => {
      text += hexdump(encodeFrame({ type: 'data', sequence: i, message: s.bytes }));
    });
    text += hexdump(encodeFrame({ type: 'ack', ackSequence: 7, received: 0x6 }));
    writeFileSync(join(dir, 'frames.txt'), text);
    execFileSync(text2pcap, ['-q', '-T', '40000,6084', join(dir, 'frames.txt'), join(dir, 'frames.pcap')]);
    const json = execFileSync(tshark, ['-r', join(dir, 'frames.pcap'), '-T', 'json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 2 ** 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    packets = (JSON.parse(json) as Array<{ _source: { layers: Json } }>).map((p) => p._source.layers);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('covers every message code of the body table and the framing ACK', () => {
    const codes = new Set(samples.map((s) => s.code));
    for (const [name, code] of MessageCode.entries)
      if (!name.startsWith('exp_')) assert.ok(codes.has(code), name);
    assert.equal(packets.length, samples.length + 1);
  });

  it('recognises every message with the code we sent, its body structure and no faults', () => {
    samples.forEach((s, i) => {
      const layers = packets[i] ?? null;
      assert.deepEqual(valuesOf(layers, 'reload_framing.sequence'), [String(i)], s.label);
      assert.deepEqual(valuesOf(layers, 'reload.message.code'), [String(s.code)], s.label);
      const field = BODY_FIELD[s.label.split(' ')[0] ?? ''];
      if (field !== undefined) assert.ok(valuesOf(layers, field).length > 0, `${s.label}: no ${field}`);
      assert.deepEqual(faults(layers), [], s.label);
    });
  });

  it('sees the RFC extension numbers on the wire (Wireshark names them after the drafts)', () => {
    const ping = samples.findIndex((s) => s.label.includes('Diagnostic_Ping'));
    const probe = samples.findIndex((s) => s.label.includes('self_tuning_data'));
    assert.deepEqual(valuesOf(packets[ping] ?? null, 'reload.message_extension.type'), [
      String(MessageExtensionType.Diagnostic_Ping),
    ]);
    assert.deepEqual(valuesOf(packets[probe] ?? null, 'reload.message_extension.type'), [
      String(MessageExtensionType.self_tuning_data),
    ]);
  });

  it('decodes the framing ACK', () => {
    const ack = packets[samples.length] ?? null;
    assert.deepEqual(valuesOf(ack, 'reload_framing.type'), ['129']);
    assert.deepEqual(valuesOf(ack, 'reload_framing.ack_sequence'), ['7']);
    assert.deepEqual(faults(ack), []);
  });
});
