/**
 * IP text <-> bytes without node:net, so the codec stays pure and works on any runtime.
 * Formatting follows RFC 5952 (what Node prints), so decoded addresses compare equal to
 * the ones dgram reports.
 */

/** 4 bytes for an IPv4 dotted quad, 16 for IPv6 text; undefined for anything else. */
export function ipToBytes(text: string): Uint8Array | undefined {
  return text.includes(':') ? ipv6ToBytes(text) : ipv4ToBytes(text);
}

function ipv4ToBytes(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(4);
  return writeIpv4(text, bytes, 0) ? bytes : undefined;
}

/**
 * Writes a dotted quad's 4 bytes at `offset`; false (and partial output) for anything else.
 * Char-code parsing without split or regex: it runs for every response the server sends.
 */
export function writeIpv4(text: string, out: Uint8Array, offset: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 46; // a final '.' closes the last part
    if (code >= 48 && code <= 57 && digits < 3) {
      value = value * 10 + (code - 48);
      digits++;
    } else if (code === 46 && digits > 0 && value <= 255 && part < 4) {
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return part === 4;
}

function ipv6ToBytes(input: string): Uint8Array | undefined {
  const text = input.split('%')[0]!; // a zone id never goes on the wire
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4ToBytes(part);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** Formats 4 or 16 bytes read from `bytes` at `offset`. */
export function bytesToIp(bytes: Uint8Array, offset: number, length: 4 | 16): string {
  if (length === 4) {
    return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytesToIp(bytes, offset + 12, 4)}`; // IPv4-mapped, as RFC 5952 §5 writes it
  }
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]): string => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
