import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../core/index.js';

function readmeCodes(): string[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]!);
}

describe('error codes', () => {
  it('are listed in the README exactly as in src/runtime/errors.ts', () => {
    expect(readmeCodes().sort()).toEqual(Object.keys(ErrorCodes).sort());
  });

  it('each have a readable message', () => {
    for (const [code, message] of Object.entries(ErrorCodes)) {
      expect(message.length, code).toBeGreaterThan(10);
    }
  });
});
