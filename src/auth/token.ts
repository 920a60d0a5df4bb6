// The auth token: the identity a provider attested, sealed with AES-256-GCM so any node holding
// the key recognises it without calling the provider again (docs/auth.md, "Auth token").
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { TOKEN_IV_BYTES } from './constants.js';

/** What a token holds. The cookie rides inside encrypted: the client can carry it but never read it. */
export interface TokenClaims {
  uid: string;
  nick?: string;
  app: string;
  ver: string;
  /** The AuthCookie, JSON text (sealed as JSON). */
  cookie?: string;
  /** Issued and expires, epoch ms. */
  iat: number;
  exp: number;
  /** Unique per token (a log can name a token without it). */
  jti: string;
  /** Set when the identity was let in anonymously (no provider vouched for it): a token keeps saying so. */
  anon?: true;
}

/** One key: its id (in the token, picks the key to open with) and its 32 bytes. */
export interface TokenKey {
  id: string;
  key: Uint8Array;
}

const TAG_BYTES = 16;

/** A key's id: 8 characters of its SHA-256, so rotating keys needs no naming and leaks nothing usable. */
export function tokenKeyOf(key: Uint8Array): TokenKey {
  return { id: createHash('sha256').update(key).digest('base64url').slice(0, 8), key };
}

/** `v1.<keyId>.<base64url(iv ‖ ciphertext ‖ tag)>`, sealed with `key` (the first configured one). */
export function sealToken(key: TokenKey, claims: TokenClaims, iv: Uint8Array): string {
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  // The key id is authenticated too: a token cannot be moved under another key's name.
  cipher.setAAD(Buffer.from(`v1.${key.id}`));
  // The cookie rides as JSON, not as an escaped string (which could double its size past the token cap).
  const { cookie, ...rest } = claims;
  const text = JSON.stringify(cookie === undefined ? rest : { ...rest, cookie: JSON.parse(cookie) as unknown });
  const sealed = Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${key.id}.${sealed.toString('base64url')}`;
}

/**
 * The claims of a token sealed by one of `keys` that has not expired at `nowMs` (epoch) and was
 * issued for `appId` at `appVersion` (a provider may refuse a version: a token of another must not
 * let it in); undefined for anything else (unknown key, tampered, expired, malformed, another app or
 * version), which the service answers alike with AUTH_TOKEN_EXPIRED.
 */
export function openToken(keys: readonly TokenKey[], token: string, nowMs: number, appId: string, appVersion: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return undefined;
  const key = keys.find((k) => k.id === parts[1]);
  if (!key) return undefined;
  const sealed = Buffer.from(parts[2]!, 'base64url');
  if (sealed.length < TOKEN_IV_BYTES + TAG_BYTES + 2) return undefined;
  let text: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.subarray(0, TOKEN_IV_BYTES));
    decipher.setAAD(Buffer.from(`v1.${key.id}`));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    text = Buffer.concat([decipher.update(sealed.subarray(TOKEN_IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
  // Sealed by us, so well-formed; checked anyway, as a key may have leaked.
  const claims = parseClaims(text);
  if (!claims || claims.exp <= nowMs || claims.app !== appId || claims.ver !== appVersion) return undefined;
  return claims;
}

function parseClaims(text: string): TokenClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { uid, nick, app, ver, cookie, iat, exp, jti, anon } = value as Record<string, unknown>;
  if (typeof uid !== 'string' || typeof app !== 'string' || typeof ver !== 'string' || typeof jti !== 'string') return undefined;
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  if (nick !== undefined && typeof nick !== 'string') return undefined;
  return {
    uid,
    app,
    ver,
    iat,
    exp,
    jti,
    ...(nick === undefined ? {} : { nick }),
    ...(cookie === undefined ? {} : { cookie: JSON.stringify(cookie) }),
    ...(anon === true ? { anon: true as const } : {}),
  };
}
