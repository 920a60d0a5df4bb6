// Signaling frames that crashed the cloud or the SDK before the codec's scan: the attack inputs of
// the codec's unit test, the spawned-cloud test and the rogue-cloud test.

/** msgpack map header + the key "type" + `value`, then "id": 1. */
function requestWithType(value: number[]): Uint8Array {
  return Uint8Array.from([0x82, 0xa4, ...Buffer.from('type'), ...value, 0xa2, ...Buffer.from('id'), 0x01]);
}

export const hostileFrames: Record<string, Uint8Array> = {
  // {type: <ext 0x42 (msgpackr's BigInt)>, id: 1}: 13 bytes that killed the cloud in 15 ms.
  bigintExt: requestWithType([0xd4, 0x42, 0x01]),
  // {type: {toString: 1}, id: 1}: String() on it throws.
  toStringMap: requestWithType([0x81, 0xa8, ...Buffer.from('toString'), 0x01]),
  // {type: [{valueOf: 0, toString: 0}], id: 1}
  valueOfArray: requestWithType([0x91, 0x82, 0xa7, ...Buffer.from('valueOf'), 0x00, 0xa8, ...Buffer.from('toString'), 0x00]),
  // An array nested 3,000 deep.
  deepArray: new Uint8Array(3000).fill(0x91),
  // 16 KiB of msgpack Error extensions (ext type 0x65), 68–156 ms of CPU each on the old decoder.
  errorExts: Uint8Array.from([0xdc, 0x0c, 0xcc, ...Array.from({ length: 0x0ccc }, () => [0xd4, 0x65, 0x00]).flat()]),
  // A map whose key is a map (msgpackr would stringify it).
  mapKey: Uint8Array.from([0x81, 0x81, 0xa1, 0x61, 0x01, 0x02]),
  // A timestamp extension (-1), decoded to a Date by msgpack libraries.
  timestamp: Uint8Array.from([0x81, 0xa4, ...Buffer.from('type'), 0xd6, 0xff, 0, 0, 0, 1]),
  // A count far beyond the frame.
  hugeCount: Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff]),
};
