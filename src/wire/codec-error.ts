/**
 * The one error a decoder may throw (DESIGN §5). Everything that is malformed on the wire (short input,
 * a length out of its bounds, trailing bytes, an enum value a structure does not allow, bad UTF-8)
 * becomes a CodecError; the forwarding layer turns it into Error_Invalid_Message and the SIP layer into
 * a 400. Encoders throw it too when asked to encode a value that does not fit its field.
 */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  /** Byte offset in the decoded buffer where the problem was found (-1 when encoding). */
  readonly offset: number;

  constructor(message: string, offset = -1, options?: ErrorOptions) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message, options);
    this.offset = offset;
  }
}
