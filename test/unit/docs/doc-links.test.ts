// Every relative link in the README and docs/ points at a file that exists, and a link to a
// heading of a Markdown page (`page.md#heading`, or `#heading` inside the page) finds it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Markdown link targets that are paths in this repository or anchors (no scheme). */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to dashes. */
function anchors(text: string): Set<string> {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

describe('documentation links', () => {
  it('are found (the README links into docs/)', () => {
    expect(relativeLinks(readFileSync(join(root, 'README.md'), 'utf8'))).toContain('docs/security.md');
  });

  it.each(pages)('%s links only to files that exist', (page) => {
    const links = relativeLinks(readFileSync(join(root, page), 'utf8')).filter((target) => !target.startsWith('#'));
    const missing = links.map((target) => target.split('#')[0]!).filter((target) => !existsSync(join(root, dirname(page), target)));
    expect(missing).toEqual([]);
  });

  it.each(pages)('%s links only to headings that exist', (page) => {
    const broken = relativeLinks(readFileSync(join(root, page), 'utf8'))
      .filter((target) => target.includes('#'))
      .filter((target) => {
        const [file, anchor] = target.split('#') as [string, string];
        const path = file === '' ? page : normalize(join(dirname(page), file));
        if (!path.endsWith('.md') || !existsSync(join(root, path))) return false;
        return !anchors(readFileSync(join(root, path), 'utf8')).has(anchor);
      });
    expect(broken).toEqual([]);
  });
});
