import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../src/core/bytes.js';

/** Reads a golden vector from test/vectors (hex with spaces, newlines and `#` comments). */
export function readVector(name: string): Uint8Array {
  const path = fileURLToPath(new URL(`../../../test/vectors/${name}`, import.meta.url));
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('');
  return fromHex(text);
}

/** Reads a vector file from test/vectors as raw bytes (e.g. an XML document). */
export function readVectorFile(name: string): Uint8Array {
  return new Uint8Array(
    readFileSync(fileURLToPath(new URL(`../../../test/vectors/${name}`, import.meta.url))),
  );
}
