/**
 * Real Linux NAT for tests: network namespaces joined by veth pairs, an "internet" bridge, and
 * NAT routers doing iptables MASQUERADE. Needs root, iproute2 and iptables (.ci/run installs
 * them); `kernelNatSupport()` says why it cannot run where it cannot.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How a namespace router translates: Linux's two common UDP behaviours. */
export type KernelNatKind =
  /** MASQUERADE: keeps the source port and reuses the mapping for every destination (EIM), conntrack admits only the endpoints sent to (APDF). */
  | 'port-restricted-cone'
  /** MASQUERADE --random-fully: a random port per destination endpoint (APDM), APDF. */
  | 'symmetric';

export interface KernelNatSpec {
  kind: KernelNatKind;
  /**
   * Drop unsolicited packets on the WAN side (`INPUT`/`FORWARD` unless `ESTABLISHED,RELATED`), as
   * a home router does. Default true. False is paths.md's `nofw`: an unsolicited packet creates
   * an `[UNREPLIED]` conntrack entry that can steal the port of the inside's mapping.
   */
  firewall?: boolean;
}

export interface KernelNetworkOptions {
  /**
   * paths.md's `hop`: NATs after the first sit on a second segment (198.51.100.0/24) that the
   * internet namespace routes to, so packets between the NATs cross one router and TTL matters
   * (a TTL-2 prime opens its own NAT and dies there). Default false: one shared bridge.
   */
  hop?: boolean;
}

export interface KernelNat {
  kind: KernelNatKind;
  /** The router's namespace; its WAN address. */
  routerNs: string;
  publicAddress: string;
  /** The namespace of the one host behind it, and its LAN address. */
  hostNs: string;
  hostAddress: string;
}

export interface KernelNetwork {
  /** The public host's namespace (the cloud runs there) and its address. */
  cloudNs: string;
  cloudAddress: string;
  nats: KernelNat[];
  /**
   * Rebinds NAT `index` mid-session, as paths.md's `rebind2.sh` does: MASQUERADE moves to the
   * port range `ports` (default 20000–29999) and the router's WAN link goes down and up, which
   * makes the kernel forget every masqueraded conntrack entry of that link (a flush without the
   * conntrack tool). Existing flows leave from new ports afterwards.
   */
  rebind(index: number, ports?: string): void;
  /** Starts `command args` inside namespace `ns`; the network kills it on destroy. */
  spawnIn(ns: string, command: string, args: string[]): ChildProcessWithoutNullStreams;
  /** Kills what it started and deletes every namespace. Idempotent. */
  destroy(): void;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `undefined` when namespaces with NAT can be built here, else the reason they cannot. */
export function kernelNatSupport(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux network namespaces (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (run as root, as .ci/run does)';
  for (const tool of ['ip', 'iptables']) {
    try {
      run(tool, ['-V']);
    } catch {
      return `needs \`${tool}\` (apt-get install ${tool === 'ip' ? 'iproute2' : 'iptables'}, as .ci/run does)`;
    }
  }
  const probe = `ptprobe${process.pid % 100_000}`;
  try {
    run('ip', ['netns', 'add', probe]);
    run('ip', ['netns', 'exec', probe, 'iptables', '-t', 'nat', '-L', '-n']);
  } catch (error) {
    return `cannot create a network namespace with iptables NAT here: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    try {
      run('ip', ['netns', 'del', probe]);
    } catch {
      // It was never created.
    }
  }
  return undefined;
}

/**
 * Builds: an `inet` namespace with a bridge (203.0.113.0/24), a cloud namespace on it
 * (203.0.113.10), and per NAT a router namespace (203.0.113.<1+i> on the bridge,
 * 192.168.<1+i>.1 on its LAN) with one host behind it (192.168.<1+i>.2). With `hop`, NATs after
 * the first are on a second bridge instead (198.51.100.<1+i>), routed by `inet`.
 */
export function buildKernelNetwork(nats: KernelNatSpec[], options: KernelNetworkOptions = {}): KernelNetwork {
  const prefix = `pt${process.pid % 100_000}`;
  const namespaces: string[] = [];
  const children = new Set<ChildProcessWithoutNullStreams>();
  const ns = (name: string): string => {
    const full = `${prefix}${name}`;
    run('ip', ['netns', 'add', full]);
    namespaces.push(full);
    run('ip', ['-n', full, 'link', 'set', 'lo', 'up']);
    return full;
  };
  const inNs = (name: string, args: string[]): string => run('ip', ['netns', 'exec', name, ...args]);
  const segmentOf = (index: number): 0 | 1 => (options.hop && index > 0 ? 1 : 0);
  let destroyed = false;
  /** Per segment: the bridge in `inet`, its prefix, and inet's (the router's) address on it. */
  const segments = [
    { bridge: 'br0', prefix: '203.0.113', gateway: '203.0.113.254' },
    { bridge: 'br1', prefix: '198.51.100', gateway: '198.51.100.254' },
  ] as const;
  const masquerade = (spec: KernelNatSpec, ports?: string): string[] => [
    '-o', 'wan', '-j', 'MASQUERADE', ...(ports ? ['--to-ports', ports] : []), ...(spec.kind === 'symmetric' ? ['--random-fully'] : []),
  ];
  const network: KernelNetwork = {
    cloudNs: '',
    cloudAddress: '203.0.113.10',
    nats: [],
    spawnIn(name, command, args) {
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    rebind(index, ports = '20000-29999') {
      const nat = network.nats[index];
      if (!nat) throw new Error(`no NAT ${index}`);
      // --to-ports needs a protocol: a UDP rule in front of the original, which still serves the rest.
      inNs(nat.routerNs, ['iptables', '-t', 'nat', '-I', 'POSTROUTING', '1', '-p', 'udp', ...masquerade(nats[index]!, ports)]);
      run('ip', ['-n', nat.routerNs, 'link', 'set', 'wan', 'down']);
      run('ip', ['-n', nat.routerNs, 'link', 'set', 'wan', 'up']);
      if (options.hop) run('ip', ['-n', nat.routerNs, 'route', 'replace', 'default', 'via', segments[segmentOf(index)].gateway]);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const child of children) child.kill('SIGKILL');
      for (const name of namespaces.reverse()) {
        try {
          run('ip', ['netns', 'del', name]);
        } catch {
          // Already gone.
        }
      }
    },
  };
  try {
    const inet = ns('i');
    for (const segment of options.hop ? segments : segments.slice(0, 1)) {
      run('ip', ['-n', inet, 'link', 'add', segment.bridge, 'type', 'bridge']);
      run('ip', ['-n', inet, 'link', 'set', segment.bridge, 'up']);
      if (options.hop) run('ip', ['-n', inet, 'addr', 'add', `${segment.gateway}/24`, 'dev', segment.bridge]);
    }
    if (options.hop) inNs(inet, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    let port = 0;
    const plugIntoInternet = (name: string, address: string, segment: 0 | 1): void => {
      const bridgePort = `p${port++}`;
      run('ip', ['link', 'add', 'wan', 'netns', name, 'type', 'veth', 'peer', 'name', bridgePort, 'netns', inet]);
      run('ip', ['-n', inet, 'link', 'set', bridgePort, 'master', segments[segment].bridge]);
      run('ip', ['-n', inet, 'link', 'set', bridgePort, 'up']);
      run('ip', ['-n', name, 'addr', 'add', `${address}/24`, 'dev', 'wan']);
      run('ip', ['-n', name, 'link', 'set', 'wan', 'up']);
      if (options.hop) run('ip', ['-n', name, 'route', 'add', 'default', 'via', segments[segment].gateway]);
    };
    network.cloudNs = ns('c');
    plugIntoInternet(network.cloudNs, network.cloudAddress, 0);
    nats.forEach((spec, index) => {
      const routerNs = ns(`r${index}`);
      const hostNs = ns(`h${index}`);
      const segment = segmentOf(index);
      const publicAddress = `${segments[segment].prefix}.${1 + index}`;
      const lan = `192.168.${1 + index}`;
      plugIntoInternet(routerNs, publicAddress, segment);
      run('ip', ['link', 'add', 'lan', 'netns', routerNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs]);
      run('ip', ['-n', routerNs, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan']);
      run('ip', ['-n', routerNs, 'link', 'set', 'lan', 'up']);
      run('ip', ['-n', hostNs, 'addr', 'add', `${lan}.2/24`, 'dev', 'eth0']);
      run('ip', ['-n', hostNs, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', hostNs, 'route', 'add', 'default', 'via', `${lan}.1`]);
      inNs(routerNs, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      inNs(routerNs, ['iptables', '-t', 'nat', '-A', 'POSTROUTING', ...masquerade(spec)]);
      // A real router drops unsolicited packets on its WAN side. Without this (`firewall: false`),
      // a peer's early punch to the router's address creates a conntrack entry that takes the
      // port the inside's mapping would have used (see docs/testing.md, "Linux conntrack options").
      for (const chain of spec.firewall === false ? [] : ['INPUT', 'FORWARD']) {
        inNs(routerNs, ['iptables', '-A', chain, '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
        inNs(routerNs, ['iptables', '-A', chain, '-i', 'wan', '-j', 'DROP']);
      }
      network.nats.push({ kind: spec.kind, routerNs, publicAddress, hostNs, hostAddress: `${lan}.2` });
    });
    return network;
  } catch (error) {
    network.destroy();
    throw error;
  }
}
