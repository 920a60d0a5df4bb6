import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matrixTable } from '../../support/nat-matrix.js';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

/** The example file as a game developer would write it: package imports, no header comment. */
function asPublished(source: string): string {
  return source
    .replace(/^(\/\/.*\n)+/, '')
    .replaceAll("'../../../vnet/index.js'", "'punchthrough/testing'")
    .replaceAll("'../../../client-sdk/index.js'", "'punchthrough'")
    .replaceAll("'../../../src/index.js'", "'punchthrough/cloud'");
}

function readmeExample(marker: string): string | undefined {
  const readme = read('../../../README.md');
  const after = readme.split(`<!-- example: ${marker} -->\n`)[1];
  return /^\s*```ts\n([\s\S]*?)```\n/.exec(after ?? '')?.[1];
}

describe('README virtual network examples', () => {
  it('the game example is test/integration/vnet-example-sdk.test.ts, verbatim but for the package imports', () => {
    expect(readmeExample('virtual network game')).toBe(asPublished(read('../../integration/vnet/example-sdk.test.ts')));
  });

  it('the bare-socket example is test/unit/vnet-example.test.ts, verbatim but for the package imports', () => {
    expect(readmeExample('virtual network')).toBe(asPublished(read('./example.test.ts')));
  });
});

describe('README NAT matrix', () => {
  it('shows the table test/support/nat-matrix.ts derives', () => {
    const readme = read('../../../README.md');
    const after = readme.split('<!-- table: nat matrix -->\n')[1] ?? '';
    const table = after.split('\n\n')[0];
    expect(table).toBe(matrixTable());
  });
});
