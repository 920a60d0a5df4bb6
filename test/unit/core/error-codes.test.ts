// docs/errors.md lists every error code of core/errors.ts, with its meaning and Photon's equivalent.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, PHOTON_CODES, PunchthroughError, errorFromWire } from '../../../core/index.js';
import { Feature, FIRST_RELEASE_CODES, codeForPeer } from '../../../src/protocol/index.js';

interface Row {
  code: string;
  meaning: string;
  photon: string;
}

/** The rows of the table in docs/errors.md: `| \`CODE\` | meaning | Photon equivalent |`. */
function documentedRows(): Row[] {
  const page = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  return [...page.matchAll(/^\| `([A-Z_]+)` \| (.*?) \| (.*?) \|$/gm)].map((match) => ({
    code: match[1]!,
    meaning: match[2]!,
    photon: match[3]!,
  }));
}

describe('error codes', () => {
  it('are listed in docs/errors.md exactly as in core/errors.ts', () => {
    expect(documentedRows().map((row) => row.code).sort()).toEqual(Object.keys(ErrorCodes).sort());
  });

  it('are documented with the message core/errors.ts gives them, and a Photon column', () => {
    for (const row of documentedRows()) {
      expect(row.meaning, row.code).toBe(ErrorCodes[row.code as keyof typeof ErrorCodes]);
      expect(row.photon.length, row.code).toBeGreaterThan(0);
    }
  });

  it("carry Photon's number where docs/errors.md names one, and only there", () => {
    for (const row of documentedRows()) {
      const number = /\((-?\d+)\)/.exec(row.photon)?.[1];
      expect(PHOTON_CODES[row.code as keyof typeof ErrorCodes], row.code).toBe(number === undefined ? undefined : Number(number));
    }
    expect(new PunchthroughError('SESSION_FULL').photonCode).toBe(32765);
  });

  it('from the wire: a known code stays itself, an unknown one is UNKNOWN_ERROR naming it', () => {
    expect(errorFromWire('SESSION_FULL', 'full')).toMatchObject({ code: 'SESSION_FULL', photonCode: 32765, remoteCode: undefined });
    expect(errorFromWire('WEBHOOK_LOST', 'a newer code', 32752)).toMatchObject({ code: 'UNKNOWN_ERROR', remoteCode: 'WEBHOOK_LOST', photonCode: 32752 });
    expect(errorFromWire('toString', 'x')).toMatchObject({ code: 'UNKNOWN_ERROR', remoteCode: 'toString' });
  });

  it('SERVICE_UNAVAILABLE (a cluster store out of reach) is a codes-v2 code with no Photon number', () => {
    expect(FIRST_RELEASE_CODES.has('SERVICE_UNAVAILABLE')).toBe(false);
    expect(PHOTON_CODES.SERVICE_UNAVAILABLE).toBeUndefined();
    expect(codeForPeer('SERVICE_UNAVAILABLE', 'redis timed out', new Set([Feature.CODES_V2]))).toEqual({ code: 'SERVICE_UNAVAILABLE', message: 'redis timed out' });
    expect(codeForPeer('SERVICE_UNAVAILABLE', 'redis timed out', new Set())).toEqual({ code: 'INVALID_REQUEST', message: 'SERVICE_UNAVAILABLE: redis timed out' });
  });

  it('each have a readable message', () => {
    for (const [code, message] of Object.entries(ErrorCodes)) {
      expect(message.length, code).toBeGreaterThan(10);
    }
  });
});
