// Stateless bind cookies: the relay's return-routability check (a TURN/QUIC-style address validation token).
import { createHmac, randomBytes } from 'node:crypto';
import { BIND_COOKIE_BYTES } from './wire/index.js';

/** Domain separation from ticket MACs and bind proofs. */
const COOKIE_LABEL = Buffer.from('punchthrough-relay-cookie');

/** The result of checking an echoed cookie; `fresh` is the cookie to hand out if it failed. */
export interface CookieCheck {
  valid: boolean;
  /** This slot's cookie for the same source and body (computed on the way; reused as the retry). */
  fresh: Uint8Array;
  /** HMACs spent (1 or 2), for the relay's work accounting. */
  hmacs: number;
}

/**
 * Mints and checks cookies: HMAC-SHA256(relay-local secret, label ‖ slot ‖ port ‖ address ‖
 * ticket body), truncated to 128 bits, where slot = floor(now / slotMs). The relay keeps no
 * state per cookie, so a spoofed-source flood costs it no memory; only the real owner of an
 * address sees the cookie minted for it. A cookie of the current or the previous slot is valid.
 */
export class CookieJar {
  readonly #secret: Buffer;

  constructor(
    private readonly slotMs: number,
    secret: Uint8Array = randomBytes(32),
  ) {
    this.#secret = Buffer.from(secret);
  }

  /** The cookie for `address`:`port` and this ticket body, in the slot of `now` (monotonic ms). */
  mint(address: string, port: number, body: Uint8Array, now: number): Uint8Array {
    return this.#compute(address, port, body, Math.floor(now / this.slotMs));
  }

  /** Checks an echoed cookie against this slot, then the previous one. */
  check(cookie: Uint8Array, address: string, port: number, body: Uint8Array, now: number): CookieCheck {
    const slot = Math.floor(now / this.slotMs);
    const fresh = this.#compute(address, port, body, slot);
    if (equal(fresh, cookie)) return { valid: true, fresh, hmacs: 1 };
    const previous = this.#compute(address, port, body, slot - 1);
    return { valid: equal(previous, cookie), fresh, hmacs: 2 };
  }

  #compute(address: string, port: number, body: Uint8Array, slot: number): Uint8Array {
    const fixed = Buffer.allocUnsafe(13);
    fixed.writeDoubleBE(slot, 0);
    // 32 bits: a WebSocket's synthetic port lies above UDP's 16-bit range (server.ts openStream).
    fixed.writeUInt32BE(port >>> 0, 8);
    // The address's length goes first, so (address, body) pairs never run into each other.
    const text = Buffer.from(address, 'utf8');
    fixed[12] = text.length & 0xff;
    return createHmac('sha256', this.#secret).update(COOKIE_LABEL).update(fixed).update(text).update(body).digest().subarray(0, BIND_COOKIE_BYTES);
  }
}

/**
 * Constant-time equality of two cookies. A timing oracle would not help much (the cookie names
 * the address, so a forged one must be guessed blind), but it costs nothing to close.
 */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
