// NAT discovery that answers what the server allows: RFC 5780 with two addresses, the port axis with one.
import { isPunchthroughError, natNameOf, type NatAxis, type NatReport, type UdpSocket } from '../../core/index.js';
import type { StunAddress } from '../codec/index.js';
import { DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS } from './constants.js';
import { stunBinding, type StunBindingOptions, type StunBindingResult } from './binding.js';

export interface NatMeasurement extends NatReport {
  /** False when the reflexive address equals the socket's own: no NAT on the path. */
  readonly natted: boolean;
  /** The reflexive address from the first test. */
  readonly mappedAddress: StunAddress;
  /** What the server offered: an alternate address and port, a port only, or neither. */
  readonly alternate: 'address-and-port' | 'port' | 'none';
}

export interface NatMeasureOptions extends Pick<StunBindingOptions, 'clock' | 'initialRtoMs' | 'lastWaitRtos' | 'signal'> {
  /** Retransmissions per probe. Default DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS (2). */
  maxRetransmits?: number;
  /** Test I's answer when the caller already has it (the start's Binding): saves a round trip. */
  first?: Pick<StunBindingResult, 'address' | 'port'> & Partial<Pick<StunBindingResult, 'family' | 'otherAddress'>>;
}

type Target = { address: string; port: number };

/**
 * Measures the NAT's mapping and filtering as far as the server allows (docs/sdk.md, "NAT type").
 * With an alternate address and port (OTHER-ADDRESS differing in both) this is RFC 5780 §4.3–4.4.
 * With an alternate port on the same address (the bundled cloud's default), the port axis still
 * answers: a changed mapping towards the other port is address-and-port-dependent, a kept one is
 * `not-port-dependent`; an answer from the other port means the filter is `not-port-dependent`,
 * none means address-and-port-dependent. Filtering is probed before mapping: the mapping probes
 * send to the alternate endpoints and would open the very filter the filtering probes test. The
 * two filtering probes go out together, so a blocking NAT costs one probe timeout, not two.
 * Rejects only when test I fails (STUN_TIMEOUT, STUN_FAILED); a later failed probe leaves its
 * axis `unknown`.
 */
export async function measureNat(socket: UdpSocket, server: Target, options: NatMeasureOptions = {}): Promise<NatMeasurement> {
  const { first: given, ...rest } = options;
  const probeOptions: StunBindingOptions = { ...rest, maxRetransmits: rest.maxRetransmits ?? DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS };
  const probe = (to: Target, changeRequest?: StunBindingOptions['changeRequest']): Promise<StunBindingResult> =>
    stunBinding(socket, to, changeRequest ? { ...probeOptions, changeRequest } : probeOptions);

  const first = given ?? (await probe(server));
  const local = socket.address();
  const natted = !(first.address === local.address && first.port === local.port);
  const other = first.otherAddress;
  const altAddress = other && other.address !== server.address ? other.address : undefined;
  const altPort = other && other.port !== server.port ? other.port : undefined;
  const alternate = altPort === undefined ? 'none' : altAddress === undefined ? 'port' : 'address-and-port';
  const done = (mapping: NatAxis, filtering: NatAxis): NatMeasurement => ({
    natType: natNameOf(natted, mapping, filtering),
    mapping,
    filtering,
    natted,
    mappedAddress: { family: first.family ?? (first.address.includes(':') ? 'IPv6' : 'IPv4'), address: first.address, port: first.port },
    alternate,
  });
  if (alternate === 'none') return done(natted ? 'unknown' : 'endpoint-independent', 'unknown');

  // Filtering: §4.4 tests II (other address and port) and III (other port), sent together.
  const [both, portOnly] = await Promise.all([
    altAddress === undefined ? Promise.resolve<Answer>('unsupported') : answer(probe(server, { changeIp: true, changePort: true })),
    answer(probe(server, { changeIp: false, changePort: true })),
  ]);
  let filtering: NatAxis;
  if (both === 'yes') filtering = 'endpoint-independent';
  else if (portOnly === 'yes') filtering = altAddress === undefined ? 'not-port-dependent' : 'address-dependent';
  // Blocked from the same address's other port: only an address-and-port-dependent filter does that.
  else if (portOnly === 'no') filtering = 'address-and-port-dependent';
  else filtering = 'unknown';

  if (!natted) return done('endpoint-independent', filtering);
  // Mapping: §4.3 test II (other address, same port) then III (other address and port); with one
  // address, the other port alone.
  let mapping: NatAxis;
  try {
    if (altAddress === undefined) {
      const second = await probe({ address: server.address, port: altPort! });
      mapping = same(second, first) ? 'not-port-dependent' : 'address-and-port-dependent';
    } else {
      const second = await probe({ address: altAddress, port: server.port });
      if (same(second, first)) mapping = 'endpoint-independent';
      else {
        const third = await probe({ address: altAddress, port: altPort! });
        mapping = same(third, second) ? 'address-dependent' : 'address-and-port-dependent';
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    mapping = 'unknown';
  }
  return done(mapping, filtering);
}

/** A filtering probe's outcome: answered, timed out (filtered), an error answer, or not sent. */
type Answer = 'yes' | 'no' | 'failed' | 'unsupported';

async function answer(probe: Promise<StunBindingResult>): Promise<Answer> {
  try {
    await probe;
    return 'yes';
  } catch (error) {
    if (isPunchthroughError(error) && error.code === 'STUN_TIMEOUT') return 'no';
    if (isPunchthroughError(error) && error.code === 'STUN_FAILED') return 'failed';
    throw error; // aborted
  }
}

function same(a: Target, b: Target): boolean {
  return a.address === b.address && a.port === b.port;
}
