// The examples and the NAT matrix table in the docs are the tested files and the derived table:
// README.md's NAT test, docs/testing.md's two virtual network examples, docs/nat-matrix.md's table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matrixTable, raceMatrixTable } from '../../support/nat-matrix.js';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

/** The example file as a game developer would write it: package imports, no header comment. */
function asPublished(source: string): string {
  return source
    .replace(/^(\/\/.*\n)+/, '')
    .replaceAll("'../../../vnet/index.js'", "'punchthrough/testing'")
    .replaceAll("'../../../client-sdk/index.js'", "'punchthrough'")
    .replaceAll("'../../../src/index.js'", "'punchthrough/cloud'");
}

/** The ts code block right after `<!-- example: marker -->` in a page. */
function example(page: string, marker: string): string | undefined {
  const after = read(`../../../${page}`).split(`<!-- example: ${marker} -->\n`)[1];
  return /^\s*```ts\n([\s\S]*?)```\n/.exec(after ?? '')?.[1];
}

describe('examples in the docs', () => {
  it("README's NAT test is test/integration/vnet/readme-example.test.ts, verbatim but for the package imports", () => {
    expect(example('README.md', 'readme nat test')).toBe(asPublished(read('../../integration/vnet/readme-example.test.ts')));
  });

  it('the game example of docs/testing.md is test/integration/vnet/example-sdk.test.ts, verbatim but for the package imports', () => {
    expect(example('docs/testing.md', 'virtual network game')).toBe(asPublished(read('../../integration/vnet/example-sdk.test.ts')));
  });

  it('the bare-socket example of docs/testing.md is test/unit/vnet/example.test.ts, verbatim but for the package imports', () => {
    expect(example('docs/testing.md', 'virtual network')).toBe(asPublished(read('../vnet/example.test.ts')));
  });
});

describe('the auth provider of docs/auth.md', () => {
  it('is test/fixtures/auth/provider.mjs (run by doc-provider.test.ts), verbatim but for its header comment', () => {
    const after = read('../../../docs/auth.md').split('<!-- example: auth provider -->\n')[1] ?? '';
    const shown = /^```js\n([\s\S]*?)```\n/.exec(after)?.[1];
    expect(shown).toBe(read('../../fixtures/auth/provider.mjs').replace(/^\/\/.*\n/, ''));
  });
});

describe('the NAT matrix in docs/nat-matrix.md', () => {
  it('shows the table test/support/nat-matrix.ts derives', () => {
    const after = read('../../../docs/nat-matrix.md').split('<!-- table: nat matrix -->\n')[1] ?? '';
    const table = after.split('\n\n')[0];
    expect(table).toBe(matrixTable());
  });

  it('shows the race table test/support/nat-matrix.ts derives', () => {
    const after = read('../../../docs/nat-matrix.md').split('<!-- table: race matrix -->\n')[1] ?? '';
    expect(after.split('\n\n')[0]).toBe(raceMatrixTable());
  });
});
