// Every relative link in the README and docs/ points at a file that exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const pages = ['README.md', 'ARCHITECTURE.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Markdown link targets that are paths in this repository (no scheme, no pure anchor). */
function relativeLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0]!);
}

describe('documentation links', () => {
  it('are found (the README links into docs/)', () => {
    expect(relativeLinks(readFileSync(join(root, 'README.md'), 'utf8'))).toContain('docs/security.md');
  });

  it.each(pages)('%s links only to files that exist', (page) => {
    const missing = relativeLinks(readFileSync(join(root, page), 'utf8')).filter((target) => !existsSync(join(root, dirname(page), target)));
    expect(missing).toEqual([]);
  });
});
