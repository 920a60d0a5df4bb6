// RFC 5780 NAT behaviour discovery (mapping and filtering) and the classic NAT type label it implies.
import {
  PunchthroughError,
  isPunchthroughError,
  natTypeOf,
  type NatBehaviorKind,
  type MeasuredNatType,
  type UdpSocket,
} from '../../core/index.js';
import type { StunAddress } from '../codec/index.js';
import { DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS } from './constants.js';
import { stunBinding, type StunBindingOptions, type StunBindingResult } from './binding.js';

export interface NatBehavior {
  mapping: NatBehaviorKind;
  filtering: NatBehaviorKind;
  natType: MeasuredNatType;
  /** False when the reflexive address equals the socket's own: no NAT on the path. */
  natted: boolean;
  /** The reflexive address from the first test. */
  mappedAddress: StunAddress;
}

export interface NatDiscoveryOptions extends Pick<StunBindingOptions, 'clock' | 'initialRtoMs' | 'lastWaitRtos' | 'signal'> {
  /**
   * Retransmissions per probe. Filtering probes that the NAT blocks cost their full timeout,
   * so this is lower than a plain binding's. Default DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS (2).
   */
  maxRetransmits?: number;
}

/**
 * RFC 5780 behaviour discovery against a server that has an alternate address and port
 * (OTHER-ADDRESS). Filtering (§4.4) is measured before mapping (§4.3): the mapping tests
 * send to the alternate address, which would open the very filter the filtering tests probe.
 * Rejects with STUN_FAILED when the server cannot run the tests (no alternate address).
 */
export async function discoverNatBehavior(
  socket: UdpSocket,
  server: { address: string; port: number },
  options: NatDiscoveryOptions = {},
): Promise<NatBehavior> {
  const probeOptions: StunBindingOptions = {
    ...options,
    maxRetransmits: options.maxRetransmits ?? DEFAULT_NAT_DISCOVERY_RETRANSMISSIONS,
  };
  const probe = (to: { address: string; port: number }, changeRequest?: StunBindingOptions['changeRequest']) =>
    stunBinding(socket, to, changeRequest ? { ...probeOptions, changeRequest } : probeOptions);

  // Test I (both sections): a plain binding, which also tells us the alternate address.
  const first = await probe(server);
  const other = first.otherAddress;
  if (!other || other.address === server.address || other.port === server.port) {
    throw new PunchthroughError(
      'STUN_FAILED',
      'NAT behaviour discovery needs a STUN server with an alternate address and port (RFC 5780 OTHER-ADDRESS)',
    );
  }
  const local = socket.address();
  const natted = !(first.address === local.address && first.port === local.port);

  // §4.4 test II: answer from the alternate address and port. Any answer: endpoint-independent.
  // Test III: answer from the alternate port only. An answer: address-dependent.
  let filtering: NatBehaviorKind;
  if (await answered(probe(server, { changeIp: true, changePort: true }))) filtering = 'endpoint-independent';
  else if (await answered(probe(server, { changeIp: false, changePort: true }))) filtering = 'address-dependent';
  else filtering = 'address-and-port-dependent';

  // §4.3 test II: same port, alternate address; test III: alternate address and port.
  let mapping: NatBehaviorKind = 'endpoint-independent';
  if (natted) {
    const second = await probe({ address: other.address, port: server.port });
    if (!sameMapping(second, first)) {
      const third = await probe({ address: other.address, port: other.port });
      mapping = sameMapping(third, second) ? 'address-dependent' : 'address-and-port-dependent';
    }
  }
  return { mapping, filtering, natType: natTypeOf(natted, mapping, filtering), natted, mappedAddress: strip(first) };
}

/** True when the probe got a response, false when it timed out (the filter dropped it). */
async function answered(probe: Promise<StunBindingResult>): Promise<boolean> {
  try {
    await probe;
    return true;
  } catch (error) {
    if (isPunchthroughError(error) && error.code === 'STUN_TIMEOUT') return false;
    throw error;
  }
}

function sameMapping(a: StunAddress, b: StunAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

function strip(result: StunBindingResult): StunAddress {
  return { family: result.family, address: result.address, port: result.port };
}
