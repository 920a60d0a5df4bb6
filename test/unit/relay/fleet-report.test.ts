// The relay report check: good reports pass as fresh objects; hostile ones are refused with a reason, never a throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RELAY_REPORT_BYTES, parseRelayReport, parseRelayReportJson, type RelayReport } from '../../../relay/index.js';

const good: RelayReport = {
  id: 'eu-1',
  epoch: 1_764_000_000_000,
  endpoint: '203.0.113.5:5055',
  wsUrl: 'wss://relay.example.com/relay',
  region: 'eu',
  state: 'normal',
  level: 3,
  inputs: { bindingsPct: 12.5, ppsPct: 31, cpuPct: 8.25 },
  bindings: 125,
  sessions: 60,
  reportedAtMs: 1_764_000_001_000,
};

describe('parseRelayReport', () => {
  it('accepts a good report (with or without wsUrl, IPv6 or host names) and copies only known fields', () => {
    expect(parseRelayReport(good)).toEqual({ ok: true, value: good });
    const { wsUrl: _ws, ...noWs } = good;
    expect(parseRelayReport(noWs)).toEqual({ ok: true, value: noWs });
    expect(parseRelayReport({ ...good, endpoint: '[2001:db8::1]:5055' }).ok).toBe(true);
    expect(parseRelayReport({ ...good, endpoint: 'relay-1.example.com:5055' }).ok).toBe(true);
    expect(parseRelayReport({ ...good, state: 'draining', level: 9 }).ok).toBe(true);
    const extra = parseRelayReport({ ...good, future: { x: 1 }, __proto__: { polluted: true } });
    expect(extra).toEqual({ ok: true, value: good });
    expect(Object.keys((extra as { value: object }).value)).not.toContain('future');
  });

  it.each([
    ['not an object', null],
    ['an array', [good]],
    ['a string', 'eu-1'],
    ['id with a space', { ...good, id: 'eu 1' }],
    ['id too long', { ...good, id: 'x'.repeat(65) }],
    ['id empty', { ...good, id: '' }],
    ['id a redis pattern', { ...good, id: 'eu*' }],
    ['region missing', { ...good, region: undefined }],
    ['epoch negative', { ...good, epoch: -1 }],
    ['epoch fractional', { ...good, epoch: 1.5 }],
    ['endpoint without port', { ...good, endpoint: '203.0.113.5' }],
    ['endpoint port 0', { ...good, endpoint: '203.0.113.5:0' }],
    ['endpoint port too big', { ...good, endpoint: '203.0.113.5:70000' }],
    ['endpoint an object', { ...good, endpoint: { address: '203.0.113.5', port: 5055 } }],
    ['endpoint huge', { ...good, endpoint: `${'a'.repeat(300)}:1` }],
    ['wsUrl http', { ...good, wsUrl: 'http://relay.example.com/relay' }],
    ['wsUrl with credentials', { ...good, wsUrl: 'ws://u:p@relay.example.com/relay' }],
    ['wsUrl not a URL', { ...good, wsUrl: 'ws://' }],
    ['wsUrl null', { ...good, wsUrl: null }],
    ['state unknown', { ...good, state: 'offline' }],
    ['level 10', { ...good, level: 10 }],
    ['level -1', { ...good, level: -1 }],
    ['level a string', { ...good, level: '3' }],
    ['level NaN', { ...good, level: Number.NaN }],
    ['inputs missing', { ...good, inputs: undefined }],
    ['inputs negative', { ...good, inputs: { ...good.inputs, cpuPct: -1 } }],
    ['inputs infinite', { ...good, inputs: { ...good.inputs, ppsPct: Number.POSITIVE_INFINITY } }],
    ['inputs absurd', { ...good, inputs: { ...good.inputs, bindingsPct: 1e9 } }],
    ['bindings fractional', { ...good, bindings: 1.5 }],
    ['sessions huge', { ...good, sessions: 1e12 }],
    ['reportedAtMs in 1970', { ...good, reportedAtMs: 1000 }],
    ['reportedAtMs a date string', { ...good, reportedAtMs: '2026-01-01' }],
  ])('refuses %s', (_label, value) => {
    const result = parseRelayReport(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
  });

  it('never throws on any JSON value and never accepts a level outside 0..9', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ ...Object.fromEntries(Object.keys(good).map((key) => [key, fc.jsonValue()])) })), (value) => {
        const result = parseRelayReport(value);
        if (result.ok) expect(result.value.level).toBeGreaterThanOrEqual(0);
        if (result.ok) expect(result.value.level).toBeLessThanOrEqual(9);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('parseRelayReportJson', () => {
  it('parses JSON text, refuses bad JSON and anything over the size bound', () => {
    expect(parseRelayReportJson(JSON.stringify(good))).toEqual({ ok: true, value: good });
    expect(parseRelayReportJson('{')).toEqual({ ok: false, error: 'a report is JSON' });
    const padded = JSON.stringify({ ...good, pad: 'x'.repeat(MAX_RELAY_REPORT_BYTES) });
    expect(parseRelayReportJson(padded).ok).toBe(false);
    expect(Buffer.byteLength(JSON.stringify(good))).toBeLessThan(400);
  });
});
