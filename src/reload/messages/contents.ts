import { boolean, type Codec, opaque, struct, u16, vector } from '../../wire/index.js';

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
