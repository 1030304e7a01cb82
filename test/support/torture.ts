import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../../test/vectors/sip-torture/', import.meta.url));

/**
 * Expands the RFC 4475 §2 markup of a message as the RFC prints it: every line ends in CRLF; lines between
 * <allOneLine> and </allOneLine> are concatenated with the line breaks removed (§2.1); <hex>..</hex> is
 * replaced by the octets its hex digits name (§2.2); <repeat count=N>s</repeat> by N copies of s (§2.3).
 */
export function expandTorture(text: string): Uint8Array {
  let t = text.replace(/<allOneLine>\n([\s\S]*?)\n<\/allOneLine>/g, (_, body: string) =>
    body.replace(/\n/g, ''),
  );
  t = t.replace(/<repeat count=(\d+)>([^<]*)<\/repeat>/g, (_, n: string, s: string) => s.repeat(Number(n)));
  const bytes: number[] = [];
  const enc = new TextEncoder();
  const lines = t.split('\n');
  lines.pop(); // the file's final newline
  for (const line of lines) {
    const parts = line.split(/<hex>([0-9A-Fa-f\s]*)<\/hex>/);
    parts.forEach((p, i) => {
      if (i % 2 === 1)
        for (let k = 0; k < p.length; k += 2) bytes.push(Number.parseInt(p.slice(k, k + 2), 16));
      else for (const b of enc.encode(p)) bytes.push(b);
    });
    bytes.push(13, 10);
  }
  return new Uint8Array(bytes);
}

export function tortureMessage(name: string): Uint8Array {
  return expandTorture(readFileSync(`${dir}${name}.txt`, 'utf8'));
}

export function tortureNames(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -4))
    .sort();
}
