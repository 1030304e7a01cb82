import {
  boolean,
  type Codec,
  type CodecContext,
  DEFAULT_CONTEXT,
  decode,
  encode,
  opaque,
  struct,
  u16,
  vector,
} from '../../wire/index.js';

/**
 * RFC 6940 §6.3.3:
 *   struct { MessageExtensionType type; Boolean critical; opaque extension_contents<0..2^32-1>; } MessageExtension;
 *   struct { uint16 message_code; opaque message_body<0..2^32-1>; MessageExtension extensions<0..2^32-1>; } MessageContents;
 * The body stays opaque here: the method's codec decodes it once the code is known (reload/messages/bodies.ts).
 */
export const messageExtension = struct({
  type: u16,
  critical: boolean,
  contents: opaque(4),
});
export type MessageExtension = ReturnType<typeof messageExtension.decode>;

export const messageContents = struct({
  code: u16,
  body: opaque(4),
  extensions: vector(4, messageExtension),
});
export type MessageContents = ReturnType<typeof messageContents.decode>;

export const messageContentsCodec: Codec<MessageContents> = messageContents;

/** A MessageExtension carrying `value` encoded with `codec` (critical=false unless asked). */
export function makeExtension<T>(
  type: number,
  codec: Codec<T>,
  value: T,
  critical = false,
  ctx: CodecContext = DEFAULT_CONTEXT,
): MessageExtension {
  return { type, critical, contents: encode(codec, value, ctx) };
}

/**
 * The first extension of `type`, decoded with `codec`; undefined when absent. Malformed contents throw
 * CodecError: the caller decides whether a non-critical extension's damage is fatal.
 */
export function findExtension<T>(
  extensions: readonly MessageExtension[],
  type: number,
  codec: Codec<T>,
  ctx: CodecContext = DEFAULT_CONTEXT,
): T | undefined {
  const ext = extensions.find((e) => e.type === type);
  return ext === undefined ? undefined : decode(codec, ext.contents, ctx, 'extension_contents');
}
