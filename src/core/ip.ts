/**
 * IP address text <-> bytes, without sockets (node:net is platform-only). IPv6 text is produced in the
 * RFC 5952 canonical form so that decode(encode(x)) is stable.
 */

export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

export function parseIPv6(text: string): Uint8Array | undefined {
  let t = text;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  let tail: number[] = [];
  const lastColon = t.lastIndexOf(':');
  if (t.includes('.')) {
    const v4 = parseIPv4(t.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    t = `${t.slice(0, lastColon + 1)}x`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const group = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g === 'x') continue;
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  if (head === undefined || rest === undefined) return undefined;
  const words =
    halves.length === 2
      ? (() => {
          const fill = 8 - head.length - rest.length - tail.length;
          if (fill < 1) return undefined;
          return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
        })()
      : [...head, ...tail];
  if (words === undefined || words.length !== 8) return undefined;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`, first on ties. */
export function formatIPv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export type IpFamily = 4 | 6;

export function ipFamily(text: string): IpFamily | undefined {
  if (parseIPv4(text) !== undefined) return 4;
  if (parseIPv6(text) !== undefined) return 6;
  return undefined;
}

/** Parses `host:port`, `[v6]:port`; returns undefined when malformed. Host must be an IP literal. */
export function parseHostPort(
  text: string,
  defaultPort?: number,
): { host: string; port: number } | undefined {
  let host: string;
  let portText: string | undefined;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (m) {
    host = m[1] ?? '';
    portText = m[2];
  } else {
    const i = text.lastIndexOf(':');
    if (i >= 0 && text.indexOf(':') === i) {
      host = text.slice(0, i);
      portText = text.slice(i + 1);
    } else {
      host = text;
      portText = undefined;
    }
  }
  if (ipFamily(host) === undefined) return undefined;
  const port =
    portText === undefined ? defaultPort : /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host: ipFamily(host) === 6 ? formatIPv6(parseIPv6(host) as Uint8Array) : host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
