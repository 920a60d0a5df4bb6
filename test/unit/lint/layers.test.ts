// The layer rules of layers.config.js: `npm run lint` fails on an import that runs back up a floor.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

async function problems(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = x;\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const refused: [file: string, source: string][] = [
  ['core/x.ts', "import { x } from '../relay/index.js';"],
  ['core/x.ts', "import { x } from '../src/index.js';"],
  ['vnet/x.ts', "import { x } from '../client-sdk/index.js';"],
  ['vnet/x.ts', "import { x } from '../stun-server/index.js';"],
  ['relay/x.ts', "import { x } from '../src/index.js';"],
  ['stun-server/x.ts', "import { x } from '../relay/index.js';"],
  ['relay/wire/x.ts', "import { x } from '../constants.js';"],
  ['stun-server/codec/x.ts', "import { x } from '../server.js';"],
  ['src/protocol/x.ts', "import { x } from '../session/store.js';"],
  ['src/session/x.ts', "import { x } from '../../client-sdk/index.js';"],
  ['src/x.ts', "import { x } from '../cli/main.js';"],
  ['client-sdk/x.ts', "import { x } from '../src/index.js';"],
  ['client-sdk/x.ts', "import { x } from '../relay/index.js';"],
  ['client-sdk/x.ts', "import { x } from '../stun-server/index.js';"],
  ['client-sdk/peer/x.ts', "import { x } from '../../vnet/index.js';"],
  ['client-sdk/x.ts', "import { x } from '../core/udp.js';"],
  ['src/session/x.ts', "import { x } from '../cluster/index.js';"],
  ['src/cluster/x.ts', "import { x } from '../cloud/index.js';"],
  ['src/cluster/x.ts', "import { x } from '../../cli/index.js';"],
  ['src/session/x.ts', "import { x } from '../fleet/index.js';"],
  ['src/fleet/x.ts', "import { x } from '../cloud/index.js';"],
  ['src/fleet/x.ts', "import { x } from '../cluster/index.js';"],
];

const allowed: [file: string, source: string][] = [
  ['core/x.ts', "import { x } from './clock.js';"],
  ['vnet/x.ts', "import { x } from '../core/index.js';"],
  ['relay/wire/x.ts', "import { x } from '../../core/index.js';"],
  ['relay/x.ts', "import { x } from './wire/index.js';"],
  ['client-sdk/x.ts', "import { x } from '../src/protocol/index.js';"],
  ['client-sdk/x.ts', "import { x } from '../relay/client/index.js';"],
  ['client-sdk/peer/x.ts', "import { x } from '../../stun-server/codec/index.js';"],
  ['src/cloud/x.ts', "import { x } from '../../relay/index.js';"],
  ['cli/x.ts', "import { x } from '../client-sdk/index.js';"],
  ['src/cluster/x.ts', "import { x } from '../session/store.js';"],
  ['src/cloud/x.ts', "import { x } from '../cluster/index.js';"],
  ['src/fleet/x.ts', "import { x } from '../session/relay-fleet.js';"],
  ['src/fleet/x.ts', "import { x } from '../../relay/index.js';"],
  ['src/cloud/x.ts', "import { x } from '../fleet/index.js';"],
  ['src/cluster/x.ts', "import { x } from '../fleet/index.js';"],
];

describe('layer rules', () => {
  it.each(refused)('refuse in %s: %s', async (file, source) => {
    expect(await problems(file, source)).not.toEqual([]);
  });
  it.each(allowed)('allow in %s: %s', async (file, source) => {
    expect(await problems(file, source)).toEqual([]);
  });
});
