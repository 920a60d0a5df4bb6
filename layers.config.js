// The import rules of the layers (docs/architecture.md): each floor imports only the floors
// below it, a wire format imports only core, and the SDK never imports a server.

const TOP = ['core', 'stun-server', 'relay', 'vnet', 'src', 'client-sdk', 'cli'];
const up = String.raw`^(\.\./)+`;

/** Another top-level folder is reached only through an index.js (its own or a subfolder's). */
const throughIndex = {
  regex: `${up}(${TOP.join('|')})/(?!([\\w-]+/)*index\\.js$)`,
  message: 'Import another folder through its index.ts (or a subfolder barrel such as codec/, wire/, client/).',
};

const forbid = (folders, why) => ({ regex: `${up}(${folders.join('|')})/`, message: why });

/** Folder → what it may not import. Tests, benches and fixtures are free to reach in. */
const floors = {
  core: [forbid(TOP.filter((f) => f !== 'core'), 'core/ is the ground floor: it imports nothing of the project.')],
  vnet: [forbid(TOP.filter((f) => f !== 'core' && f !== 'vnet'), 'vnet/ imports only core/.')],
  'stun-server': [forbid(['relay', 'vnet', 'src', 'client-sdk', 'cli'], 'stun-server/ is floor 2: it imports only core/.')],
  relay: [forbid(['stun-server', 'vnet', 'src', 'client-sdk', 'cli'], 'relay/ is floor 2: it imports only core/.')],
  src: [forbid(['vnet', 'client-sdk', 'cli'], 'src/ (the cloud) never imports the SDK, the virtual network or the CLI.')],
  'client-sdk': [
    forbid(['vnet', 'cli'], 'client-sdk/ never imports the virtual network or the CLI.'),
    {
      regex: `${up}(src/(?!protocol/)|relay/(?!client/|wire/)|stun-server/(?!client/|codec/))`,
      message: 'The SDK never imports a server: only src/protocol/, relay/client/, relay/wire/, stun-server/client/ and stun-server/codec/.',
    },
  ],
  cli: [],
};

/** Wire formats: one folder deep inside their component; they import core/ and nothing else. */
const wires = ['src/protocol', 'relay/wire', 'stun-server/codec'];
const onlyCore = { regex: String.raw`^\.\./(?!\.\./core/)`, message: 'A wire format imports only core/.' };

/** The egress client: every part of the cloud uses it, so it imports only core/. */
const egressOnlyCore = { regex: String.raw`^\.\./(?!\.\./core/)`, message: 'src/egress/ imports only core/.' };

/**
 * src/cluster/ (Redis-backed store and presence) sits between session and cloud: it may import
 * session/, protocol/ and core/; the session layer never imports it (the default mode never
 * loads Redis), and only cloud/ and cli/ reach it.
 */
const sessionNotCluster = forbid(['cluster'], 'src/session/ never imports src/cluster/ (cluster builds on session, not the reverse).');
const clusterBelowCloud = forbid(['cloud', 'cli'], 'src/cluster/ is below src/cloud/ and the CLI: it imports only session/, protocol/, stats/ and core/.');

/**
 * src/fleet/ (the relay fleet: table, choice, failover) sits between session and cloud like
 * cluster/: it may import session/, protocol/ and core/ (and relay/ for the report's shape);
 * session/ reaches it only through the SessionRelays seam it defines, and cluster/ may implement
 * its table on Redis, never the reverse.
 */
const sessionNotFleet = forbid(['fleet'], 'src/session/ never imports src/fleet/ (it sees the fleet through the SessionRelays seam).');
const fleetBelowCloud = forbid(['cloud', 'cluster', 'cli'], 'src/fleet/ is below src/cloud/ and src/cluster/: it imports only session/, protocol/, relay/ and core/.');

/**
 * src/stats/ (the operator's statistics) sits between session and cloud: it may import session/,
 * protocol/ and core/; session/ hands it reports through the ConnectReportSink seam it defines.
 */
const sessionNotStats = forbid(['stats'], 'src/session/ never imports src/stats/ (it reports through the ConnectReportSink seam).');
const statsBelowCloud = forbid(['cloud', 'cluster', 'fleet', 'cli'], 'src/stats/ is below src/cloud/: it imports only session/, protocol/ and core/.');

const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns: [throughIndex, ...patterns] }] });

export const layerRules = [
  ...Object.entries(floors).map(([folder, patterns]) => ({ files: [`${folder}/**/*.ts`], rules: rule(patterns) })),
  ...wires.map((wire) => ({
    files: [`${wire}/**/*.ts`],
    rules: rule([...floors[wire.split('/')[0]], onlyCore]),
  })),
  { files: ['src/egress/**/*.ts'], rules: rule([...floors.src, egressOnlyCore]) },
  { files: ['src/session/**/*.ts'], rules: rule([...floors.src, sessionNotCluster, sessionNotFleet, sessionNotStats]) },
  { files: ['src/stats/**/*.ts'], rules: rule([...floors.src, statsBelowCloud]) },
  { files: ['src/fleet/**/*.ts'], rules: rule([...floors.src, fleetBelowCloud]) },
  { files: ['src/cluster/**/*.ts'], rules: rule([...floors.src, clusterBelowCloud]) },
];
