/**
 * msgpack framing for signaling, hardened for untrusted input: a bounded frame size, a linear
 * structural scan before decoding (no extension types, bounded nesting, string map keys), no
 * records/structures (a peer cannot define shapes the decoder then trusts), no structured clone,
 * and a decode that returns a Result instead of throwing.
 */
import { Packr, Unpackr } from 'msgpackr';
import { PROTOCOL_MAX_DEPTH } from './constants.js';
import { err, ok, type Result } from '../../core/index.js';
import type { Request, ServerMessage } from './messages.js';
import { scanMsgpack } from './scan.js';
import { validateRequest, validateServerMessage, type ValidationError } from './validate.js';

/** Why a frame could not be decoded at all (the connection is closed for it). */
export interface DecodeError {
  kind: 'frameTooLarge' | 'malformed';
  message: string;
}

/** Encodes and decodes signaling frames; one per service or client (it holds buffers, not state). */
export interface SignalingCodec {
  /** Largest frame this codec accepts, in bytes. */
  readonly maxFrameBytes: number;
  /** Encodes a message (request, reply or event) into one binary frame. */
  encode(message: Request | ServerMessage): Uint8Array;
  /** Decodes one frame into an unvalidated value; never throws. */
  decode(frame: Uint8Array): Result<unknown, DecodeError>;
  /** Decodes and validates a request (service side). */
  decodeRequest(frame: Uint8Array): Result<Request, DecodeError | ValidationError>;
  /** Decodes and validates a reply or event (SDK side). */
  decodeServerMessage(frame: Uint8Array): Result<ServerMessage, DecodeError | ValidationError>;
}

/** True for the decode failures that close the connection (vs. a validation error to answer). */
export function isDecodeError(error: DecodeError | ValidationError): error is DecodeError {
  return 'kind' in error;
}

const SAFE_OPTIONS = {
  useRecords: false,
  structuredClone: false,
  mapsAsObjects: true,
  moreTypes: false,
  bundleStrings: false,
  int64AsType: 'number',
} as const;

export function createSignalingCodec(options: { maxFrameBytes: number }): SignalingCodec {
  const packr = new Packr(SAFE_OPTIONS);
  const unpackr = new Unpackr(SAFE_OPTIONS);
  const { maxFrameBytes } = options;

  const decode = (frame: Uint8Array): Result<unknown, DecodeError> => {
    if (frame.length > maxFrameBytes) {
      return err({ kind: 'frameTooLarge', message: `frame of ${frame.length} bytes exceeds ${maxFrameBytes}` });
    }
    if (frame.length === 0) return err({ kind: 'malformed', message: 'empty frame' });
    const scanned = scanMsgpack(frame, PROTOCOL_MAX_DEPTH);
    if (!scanned.ok) return err({ kind: 'malformed', message: `not a protocol frame: ${scanned.message}` });
    try {
      return ok(unpackr.unpack(frame) as unknown);
    } catch {
      // The scan admits only well-formed plain values; this is a last line, never reached by
      // any frame the tests know. The decoder's message may quote the input, so it is not kept.
      return err({ kind: 'malformed', message: 'not msgpack' });
    }
  };

  return {
    maxFrameBytes,
    encode: (message) => packr.pack(message),
    decode,
    decodeRequest(frame) {
      const decoded = decode(frame);
      return decoded.ok ? validateRequest(decoded.value) : decoded;
    },
    decodeServerMessage(frame) {
      const decoded = decode(frame);
      return decoded.ok ? validateServerMessage(decoded.value) : decoded;
    },
  };
}
