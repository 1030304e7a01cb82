import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { second } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { listenOn } from './listen.js';

/**
 * A small HTTP/1.1 server for the control API (DESIGN §4). The routes live in src/dashboard; this file
 * owns the socket: body size limits, timeouts, a connection cap, server-sent event streams with
 * backpressure, and a 500 (never a crash) when a route throws.
 */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/** A server-sent event stream (text/event-stream). */
export interface EventStream {
  send(event: string, data: string): void;
  /** Runs when the client goes away or the server closes. */
  onClose(callback: () => void): void;
}

export interface BodyReply {
  readonly kind: 'body';
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

export type HttpReply = BodyReply | { readonly kind: 'events'; open(stream: EventStream): void };

export type HttpHandler = (req: HttpRequest) => HttpReply | Promise<HttpReply>;

export interface HttpServerOptions {
  readonly log: Logger;
  /** Largest request body accepted (413 above it). */
  readonly maxBodyBytes?: number;
  readonly maxConnections?: number;
  /** An event stream whose client reads slower than this many queued bytes is dropped. */
  readonly maxStreamBuffer?: number;
}

export interface HttpServerHandle {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULTS = { maxBodyBytes: 16 * 1024, maxConnections: 64, maxStreamBuffer: 1024 * 1024 };
const KEEPALIVE_COMMENT_EVERY = 15 * second;

/** A JSON reply (one line, newline-terminated, so `curl` output reads well). */
export function jsonReply(status: number, value: unknown): BodyReply {
  return { kind: 'body', status, contentType: 'application/json', body: `${JSON.stringify(value)}\n` };
}

export async function startHttpServer(
  host: string,
  port: number,
  handler: HttpHandler,
  options: HttpServerOptions,
): Promise<HttpServerHandle> {
  const o = { ...DEFAULTS, ...options };
  const streams = new Set<() => void>();
  const server = createServer({ requestTimeout: 30 * second, headersTimeout: 10 * second }, (req, res) => {
    serve(req, res, handler, o, streams).catch((e: unknown) => {
      o.log.error({ err: e }, 'control: request failed');
      if (!res.headersSent) send(res, jsonReply(500, { error: 'internal error' }));
      else res.destroy();
    });
  });
  server.maxConnections = o.maxConnections;
  const bound = await listenOn(server, host, port, o.log);
  return { ...bound, close: () => closeServer(server, streams) };
}

function closeServer(server: Server, streams: Set<() => void>): Promise<void> {
  for (const end of [...streams]) end();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handler: HttpHandler,
  o: typeof DEFAULTS & HttpServerOptions,
  streams: Set<() => void>,
): Promise<void> {
  const body = await readBody(req, o.maxBodyBytes);
  if (body === undefined) {
    send(res, jsonReply(413, { error: `request body above ${o.maxBodyBytes} bytes` }));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://control');
  const reply = await handler({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    contentType: req.headers['content-type'],
    body,
  });
  if (reply.kind === 'body') send(res, reply);
  else openStream(res, reply, o.maxStreamBuffer, streams);
}

/** The whole body, or undefined when it exceeds `limit` (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return undefined;
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > limit) return undefined;
    parts.push(b);
  }
  return new Uint8Array(Buffer.concat(parts));
}

function send(res: ServerResponse, reply: BodyReply): void {
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    'cache-control': 'no-store',
  });
  res.end(reply.body);
}

function openStream(
  res: ServerResponse,
  reply: Extract<HttpReply, { kind: 'events' }>,
  maxBuffer: number,
  streams: Set<() => void>,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  const closers: Array<() => void> = [];
  let open = true;
  const end = (): void => {
    if (!open) return;
    open = false;
    clearInterval(keepalive);
    streams.delete(end);
    res.end();
    for (const c of closers) c();
  };
  streams.add(end);
  const write = (text: string): void => {
    if (!open) return;
    res.write(text);
    // A client that does not read loses its stream rather than our memory.
    if (res.writableLength > maxBuffer) end();
  };
  const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_COMMENT_EVERY);
  res.on('close', end);
  write(': p2psip events\n\n');
  reply.open({
    send: (event, data) => write(`event: ${event}\ndata: ${data.replace(/\n/g, '\ndata: ')}\n\n`),
    onClose: (callback) => closers.push(callback),
  });
}
