// docs/errors.md lists every error code of core/errors.ts, with its meaning and Photon's equivalent.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../core/index.js';

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

  it('each have a readable message', () => {
    for (const [code, message] of Object.entries(ErrorCodes)) {
      expect(message.length, code).toBeGreaterThan(10);
    }
  });
});
