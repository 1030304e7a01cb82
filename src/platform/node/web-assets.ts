import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/**
 * The dashboard's static files (DESIGN §2 `web/`), read once at start-up and served from memory. A missing
 * folder (a trimmed install) gives no page, not a failure: the API works without it.
 */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export interface WebAsset {
  readonly contentType: string;
  readonly body: Uint8Array;
}

export async function readWebAssets(dir: string): Promise<Map<string, WebAsset>> {
  const out = new Map<string, WebAsset>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const contentType = TYPES[extname(name)];
    if (contentType === undefined) continue;
    out.set(`/${name}`, { contentType, body: new Uint8Array(await readFile(join(dir, name))) });
  }
  return out;
}
