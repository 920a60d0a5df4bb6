// punchthrough dashboard: fetches GET /v1/stats with the admin token every few seconds and draws it (no library).
// Every figure shown carries data-stat (its place in the JSON) and data-value (the number as received).

const REFRESH_MS = 2000;
const SVG = 'http://www.w3.org/2000/svg';
const TOKEN_KEY = 'punchthrough-admin-token';
/** The protocol's NAT types, most open first: the NAT pair table's row and column order. */
const NAT_ORDER = ['open', 'fullCone', 'restrictedCone', 'portRestrictedCone', 'symmetric', 'unknown'];

const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  for (const child of children.flat()) node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  return node;
}

/** A figure the test can find: its JSON path and raw value ride along. */
function stat(tag, path, value, text, attrs = {}) {
  return el(tag, { ...attrs, 'data-stat': path, 'data-value': value === null ? 'null' : String(value) }, text ?? format(value));
}

const format = (value) => (value === null || value === undefined ? '—' : typeof value === 'number' ? value.toLocaleString('en-US') : String(value));
const percent = (rate) => (rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);

function tiles(view) {
  const t = view.totals;
  const tile = (label, path, value, text) => el('div', { class: 'tile' }, stat('b', path, value, text), label);
  $('tiles').replaceChildren(
    tile('direct rate', 'totals.directRate', t.directRate, percent(t.directRate)),
    tile('connects', 'totals.connects', t.connects),
    tile('direct', 'totals.direct', t.direct),
    tile('relay', 'totals.relay', t.relay),
    tile('upgraded to direct', 'totals.upgrades', t.upgrades),
    tile('fell back to relay', 'totals.fallbacks', t.fallbacks),
    tile('sessions', 'totals.sessions', t.sessions),
    tile('live pairs', 'totals.livePairs', t.livePairs),
  );
}

function legend(...kinds) {
  return el('div', { class: 'legend muted' }, kinds.map((kind) => el('span', {}, el('i', { class: kind }), kind)));
}

/** Stacked bars of direct and relay connects per minute, and the direct rate as a line. */
function series(view) {
  const buckets = view.series.buckets;
  const width = 480, height = 160, left = 30, bottom = 18;
  const svg = el('svg:svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'direct rate over time' });
  svg.append(el('svg:line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  if (buckets.length === 0) svg.append(el('svg:text', { x: left + 8, y: height / 2 }, 'no connects yet'));
  const max = Math.max(1, ...buckets.map((b) => b.direct + b.relay));
  const slot = (width - left) / Math.max(buckets.length, 10);
  const y = (count) => (height - bottom) - (count / max) * (height - bottom - 8);
  const points = [];
  buckets.forEach((bucket, i) => {
    const x = left + i * slot + 1;
    const w = Math.max(1, slot - 2);
    svg.append(stat('svg:rect', `series.buckets.${i}.direct`, bucket.direct, '', { class: 'direct', x, width: w, y: y(bucket.direct), height: (height - bottom) - y(bucket.direct) }));
    svg.append(stat('svg:rect', `series.buckets.${i}.relay`, bucket.relay, '', { class: 'relay', x, width: w, y: y(bucket.direct + bucket.relay), height: y(bucket.direct) - y(bucket.direct + bucket.relay) }));
    if (bucket.directRate !== null) points.push(`${x + w / 2},${(height - bottom) - bucket.directRate * (height - bottom - 8)}`);
  });
  if (points.length > 1) svg.append(el('svg:polyline', { class: 'rate', points: points.join(' ') }));
  svg.append(el('svg:text', { x: 0, y: 10 }, format(max)), el('svg:text', { x: 0, y: height - bottom }, '0'));
  const first = buckets[0], last = buckets[buckets.length - 1];
  if (first) svg.append(el('svg:text', { x: left, y: height - 4 }, new Date(first.t).toLocaleTimeString()));
  if (last && last !== first) svg.append(el('svg:text', { x: width - 60, y: height - 4 }, new Date(last.t).toLocaleTimeString()));
  $('series').replaceChildren(svg, legend('direct', 'relay'));
}

/** Connect-time histogram: one pair of bars (direct, relay) per bucket. */
function histogram(view) {
  const { bounds, direct, relay } = view.connectMs;
  const width = 480, height = 160, bottom = 18;
  const svg = el('svg:svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'connect time histogram' });
  const max = Math.max(1, ...direct, ...relay);
  const slot = width / direct.length;
  const bar = (path, count, i, offset, kind) => {
    const h = (count / max) * (height - bottom - 10);
    return stat('svg:rect', `connectMs.${path}.${i}`, count, '', { class: kind, x: i * slot + offset, width: slot / 2 - 2, y: height - bottom - h, height: h });
  };
  direct.forEach((count, i) => {
    svg.append(bar('direct', count, i, 1, 'direct'), bar('relay', relay[i], i, slot / 2, 'relay'));
    svg.append(el('svg:text', { x: i * slot + 2, y: height - 4 }, i < bounds.length ? `≤${bounds[i]}` : `>${bounds[bounds.length - 1]}`));
  });
  svg.append(el('svg:text', { x: 2, y: 10 }, format(max)));
  $('histogram').replaceChildren(svg, legend('direct', 'relay'));
}

/** Client NAT (rows) by server NAT (columns): share that ended direct, and the counts. */
function natPairs(view) {
  const order = (a, b) => NAT_ORDER.indexOf(a) - NAT_ORDER.indexOf(b);
  const rows = [...new Set(view.natPairs.map((p) => p.client))].sort(order);
  const columns = [...new Set(view.natPairs.map((p) => p.server))].sort(order);
  const byKey = new Map(view.natPairs.map((p) => [`${p.client}|${p.server}`, p]));
  const table = el('table', {}, el('tr', {}, el('th', {}, 'client \\ server'), columns.map((c) => el('th', { class: 'cell' }, c))));
  for (const client of rows) {
    const tr = el('tr', {}, el('th', {}, client));
    for (const server of columns) {
      const pair = byKey.get(`${client}|${server}`);
      if (!pair) {
        tr.append(el('td', { class: 'cell muted' }, '—'));
        continue;
      }
      const key = `natPairs.${client}|${server}`;
      const heat = pair.directRate === null ? 0 : Math.min(3, Math.floor(pair.directRate * 4));
      tr.append(
        el('td', { class: `cell heat-${heat}`, title: `${pair.direct} direct, ${pair.upgraded} upgraded, ${pair.relay} relay` },
          stat('b', `${key}.directRate`, pair.directRate, percent(pair.directRate)), el('br'),
          stat('span', `${key}.direct`, pair.direct, undefined, { class: 'muted' }), ' / ',
          stat('span', `${key}.upgraded`, pair.upgraded, undefined, { class: 'muted' }), ' / ',
          stat('span', `${key}.relay`, pair.relay, undefined, { class: 'muted' })),
      );
    }
    table.append(tr);
  }
  const note = el('p', { class: 'muted' }, view.natPairs.length === 0 ? 'no classified pairs yet' : 'cells: ended direct; counts direct / upgraded / relay');
  $('natpairs').replaceChildren(table, note);
}

function relays(view) {
  const list = view.relays;
  const width = 480, row = 22;
  const svg = el('svg:svg', { viewBox: `0 0 ${width} ${Math.max(1, list.length) * row + 4}`, role: 'img', 'aria-label': 'relay load' });
  if (list.length === 0) svg.append(el('svg:text', { x: 4, y: 14 }, 'no relay'));
  list.forEach((relay, i) => {
    const kind = !relay.fresh || relay.state !== 'normal' ? 'relay' : 'direct';
    svg.append(el('svg:text', { x: 4, y: i * row + 15 }, `${relay.id}${relay.region ? ` (${relay.region})` : ''}${relay.fresh ? '' : ' stale'}${relay.state === 'draining' ? ' draining' : ''}`));
    svg.append(stat('svg:rect', `relays.${relay.id}.level`, relay.level, '', { class: kind, x: 170, y: i * row + 4, height: row - 8, width: Math.max(2, (relay.level / 9) * 220) }));
    svg.append(stat('svg:text', `relays.${relay.id}.bindings`, relay.bindings, `L${relay.level} · ${relay.bindings} bindings`, { x: 400, y: i * row + 15 }));
  });
  $('relays').replaceChildren(svg);
}

function tables(view) {
  $('apps').replaceChildren(
    el('tr', {}, el('th', {}, 'app id'), el('th', {}, 'version'), el('th', { class: 'num' }, 'sessions'), el('th', { class: 'num' }, 'players')),
    ...view.apps.map((app) =>
      el('tr', {}, el('td', {}, app.appId), el('td', {}, app.appVersion),
        stat('td', `apps.${app.appId}.sessions`, app.sessions, undefined, { class: 'num' }), stat('td', `apps.${app.appId}.players`, app.players, undefined, { class: 'num' }))),
  );
  $('sessions-note').textContent = view.sessions.length < view.totals.sessions ? `(the oldest ${view.sessions.length} of ${view.totals.sessions})` : '';
  $('sessions').replaceChildren(
    el('tr', {}, el('th', {}, 'session'), el('th', {}, 'app'), el('th', { class: 'num' }, 'players'), el('th', {}, 'relay'), el('th', {}, 'pairs (client: path, RTT)'), el('th', { class: 'num' }, 'age')),
    ...view.sessions.map((s) =>
      el('tr', { 'data-session': s.sessionId },
        el('td', {}, s.name), el('td', {}, s.appId),
        stat('td', `sessions.${s.sessionId}.players`, s.players, `${s.players} / ${s.maxPlayers}`, { class: 'num' }),
        el('td', {}, s.relay ?? '—'),
        el('td', {}, s.pairs.length === 0 ? el('span', { class: 'muted' }, 'none connected') : s.pairs.map((p) =>
          el('span', { class: `path ${p.outcome}`, 'data-stat': `sessions.${s.sessionId}.pairs.${p.clientActor}`, 'data-value': p.outcome, title: p.natPair ?? '' },
            `#${p.clientActor} ${p.outcome}${p.rttMs === null ? '' : ` ${p.rttMs} ms`}`))),
        el('td', { class: 'num' }, `${s.ageSeconds} s`))),
  );
  const clustered = view.nodes.length > 0;
  $('nodes-title').hidden = !clustered;
  $('nodes').hidden = !clustered;
  $('nodes').replaceChildren(
    el('tr', {}, el('th', {}, 'node'), el('th', {}, 'statistics'), el('th', { class: 'num' }, 'age')),
    ...view.nodes.map((node) => el('tr', {}, el('td', {}, node.id), el('td', {}, node.reporting ? 'reporting' : 'silent'), el('td', { class: 'num' }, `${node.ageSeconds} s`))),
  );
}

function render(view) {
  tiles(view);
  series(view);
  histogram(view);
  natPairs(view);
  relays(view);
  tables(view);
  document.body.dataset.generatedAt = String(view.generatedAt);
  $('status').textContent = `updated ${new Date(view.generatedAt).toLocaleTimeString()}`;
}

async function refresh(token) {
  const response = await fetch('/v1/stats', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Error('the admin token was refused');
  }
  if (!response.ok) throw new Error(`GET /v1/stats answered ${response.status}`);
  render(await response.json());
}

let timer;

function start(token) {
  clearInterval(timer);
  $('login').hidden = true;
  $('main').hidden = false;
  const tick = () => refresh(token).catch((error) => {
    $('status').textContent = error.message;
    if (!sessionStorage.getItem(TOKEN_KEY)) showLogin();
  });
  tick();
  timer = setInterval(() => document.hidden || tick(), REFRESH_MS);
}

function showLogin() {
  clearInterval(timer);
  $('main').hidden = true;
  $('login').hidden = false;
  $('status').textContent = 'admin token needed';
}

// A token in the URL fragment (#token=…) never reaches the server's logs; it is moved to this tab's storage.
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  sessionStorage.setItem(TOKEN_KEY, fromHash);
  history.replaceState(null, '', location.pathname);
}
$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value);
  start($('token').value);
});
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved);
else showLogin();
