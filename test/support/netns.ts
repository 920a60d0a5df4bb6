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
 * 192.168.<1+i>.1 on its LAN) with one host behind it (192.168.<1+i>.2).
 */
export function buildKernelNetwork(nats: KernelNatSpec[]): KernelNetwork {
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
  let destroyed = false;
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
    run('ip', ['-n', inet, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', inet, 'link', 'set', 'br0', 'up']);
    let port = 0;
    const plugIntoInternet = (name: string, address: string): void => {
      const bridgePort = `p${port++}`;
      run('ip', ['link', 'add', 'wan', 'netns', name, 'type', 'veth', 'peer', 'name', bridgePort, 'netns', inet]);
      run('ip', ['-n', inet, 'link', 'set', bridgePort, 'master', 'br0']);
      run('ip', ['-n', inet, 'link', 'set', bridgePort, 'up']);
      run('ip', ['-n', name, 'addr', 'add', `${address}/24`, 'dev', 'wan']);
      run('ip', ['-n', name, 'link', 'set', 'wan', 'up']);
    };
    network.cloudNs = ns('c');
    plugIntoInternet(network.cloudNs, network.cloudAddress);
    nats.forEach((spec, index) => {
      const routerNs = ns(`r${index}`);
      const hostNs = ns(`h${index}`);
      const publicAddress = `203.0.113.${1 + index}`;
      const lan = `192.168.${1 + index}`;
      plugIntoInternet(routerNs, publicAddress);
      run('ip', ['link', 'add', 'lan', 'netns', routerNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs]);
      run('ip', ['-n', routerNs, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan']);
      run('ip', ['-n', routerNs, 'link', 'set', 'lan', 'up']);
      run('ip', ['-n', hostNs, 'addr', 'add', `${lan}.2/24`, 'dev', 'eth0']);
      run('ip', ['-n', hostNs, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', hostNs, 'route', 'add', 'default', 'via', `${lan}.1`]);
      inNs(routerNs, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      const masquerade = ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE'];
      inNs(routerNs, spec.kind === 'symmetric' ? [...masquerade, '--random-fully'] : masquerade);
      // A real router drops unsolicited packets on its WAN side. Without this, a peer's early
      // punch to the router's address creates a conntrack entry that takes the port the
      // inside's mapping would have used (see docs/testing.md, "NAT behaviour").
      for (const chain of ['INPUT', 'FORWARD']) {
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
