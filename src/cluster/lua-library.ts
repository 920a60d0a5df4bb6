/** The Redis Functions library of cluster mode (Lua, Redis ≥ 7.0): atomic create, commit, publish and the reads. */
import { FUNCTION_LIBRARY, INBOX_MAXLEN } from './constants.js';

/**
 * Every write takes (node, incarnation) and is refused with FENCED unless `pt:lease:<node>` holds
 * that incarnation: a node paused past its lease (or one that re-registered) cannot write, even a
 * request it sent before the pause (spec §7.7, Colyseus #978).
 *
 * Keys are built inside from the partition tag (`{tag}` keeps an app's keys in one hash slot) and
 * passed with numkeys 0: fine on one primary, which is the supported topology. Sharding by app on
 * Redis Cluster needs declared keys and the global ones (`pt:sid:`, `pt:nm:`, `pt:in:`,
 * `pt:lease:`) moved under a tag: a layout change, so a `_v2` library.
 *
 * Replies: create 1 (made) | 0 (id or name taken) | 'FENCED'. commit {v} or {v, inbox id} | {-1, v, b} conflict
 * (the current record, so a retry needs no read) | {-2} fenced | {-3} missing | {-4} locked by
 * another writer. publish: entries appended | -2 fenced.
 */
export const LUA_LIBRARY = `#!lua name=${FUNCTION_LIBRARY}

local INBOX_MAXLEN = ${INBOX_MAXLEN}

local function fenced(node, incarnation)
  return redis.call('GET', 'pt:lease:' .. node) ~= incarnation
end

-- Fields of a record write: b n c open vis pl max lp dl (9 arguments from i). No expiry: a
-- session lives until the model closes it (deadlines, the reaper's detach and PlayerTTL close
-- what is abandoned), and an expiry on the record alone would strand its indexes and name.
local function record_fields(a, i)
  return { b = a[i], n = a[i + 1], c = a[i + 2], open = a[i + 3], vis = a[i + 4], pl = a[i + 5],
           max = a[i + 6], lp = a[i + 7], dl = a[i + 8] }
end

-- old: the fields open vis pl max dl as stored before (nil for a new record): an index whose
-- membership or score did not change is not written again (most commits change only b).
local function write_record(p, sid, v, o, r, old)
  local sk = p .. 's:' .. sid
  redis.call('HSET', sk, 'v', v, 'b', r.b, 'n', r.n, 'c', r.c, 'o', o, 'open', r.open, 'vis', r.vis,
             'pl', r.pl, 'max', r.max, 'lp', r.lp, 'dl', r.dl)
  local function state(open, vis, pl, max)
    if open ~= '1' or vis ~= '1' then return 0 end
    if tonumber(pl) < tonumber(max) then return 2 end
    return 1
  end
  local now = state(r.open, r.vis, r.pl, r.max)
  local was = -1
  if old and old[1] and old[4] then was = state(old[1], old[2], old[3], old[4]) end
  if now ~= was then
    if now > 0 then redis.call('ZADD', p .. 'listed', o, sid) else redis.call('ZREM', p .. 'listed', sid) end
    if now == 2 then redis.call('ZADD', p .. 'joinable', o, sid) else redis.call('ZREM', p .. 'joinable', sid) end
  end
  if not old or old[5] ~= r.dl then
    if r.dl ~= '' then redis.call('ZADD', p .. 'deadlines', r.dl, sid) else redis.call('ZREM', p .. 'deadlines', sid) end
  end
end

-- Replaces at:<sid> (actor -> node) with the flat list new_pairs and keeps pt:nm:<node> in step:
-- a node lists {tag}|sid while at least one member of the session is on it. old_pairs: what
-- at:<sid> holds, when the caller knows it (the pairs of the record version the commit replaces:
-- at:<sid> is only ever written with a record, from that record's members), saving its read.
local function apply_nodes(p, tag, sid, new_pairs, old_pairs)
  local atk = p .. 'at:' .. sid
  local old = old_pairs or redis.call('HGETALL', atk)
  local oldmap, oldnodes, newmap, newnodes = {}, {}, {}, {}
  for i = 1, #old, 2 do oldmap[old[i]] = old[i + 1]; oldnodes[old[i + 1]] = true end
  for i = 1, #new_pairs, 2 do newmap[new_pairs[i]] = new_pairs[i + 1]; newnodes[new_pairs[i + 1]] = true end
  -- Most commits move nobody: then at:<sid> stays as it is.
  local gone, moved = {}, false
  for actor in pairs(oldmap) do if not newmap[actor] then gone[#gone + 1] = actor end end
  for actor, n in pairs(newmap) do if oldmap[actor] ~= n then moved = true end end
  if #gone > 0 then redis.call('HDEL', atk, unpack(gone)) end
  if moved then redis.call('HSET', atk, unpack(new_pairs)) end
  local entry = '{' .. tag .. '}|' .. sid
  for node in pairs(oldnodes) do
    if not newnodes[node] then redis.call('SREM', 'pt:nm:' .. node, entry) end
  end
  for node in pairs(newnodes) do
    if not oldnodes[node] then redis.call('SADD', 'pt:nm:' .. node, entry) end
  end
  return oldmap, newmap
end

-- items: flat actor, '[actor,event]' JSON. One inbox entry per target node, in delivery order;
-- an actor on no node (none recorded), or on a node without a lease, is nobody's to deliver to,
-- as on the local bus. With rec,
-- the entries to nodes other than self also carry the record written (field r), so those nodes'
-- copies stay current and their next commit needs no read.
local function route(sid, v, newmap, oldmap, items, self, rec)
  local by_node, order = {}, {}
  for i = 1, #items, 2 do
    local node = newmap[items[i]] or oldmap[items[i]]
    if node then
      if not by_node[node] then by_node[node] = {}; order[#order + 1] = node end
      local list = by_node[node]
      list[#list + 1] = items[i + 1]
    end
  end
  for _, node in ipairs(order) do
    local d = '[' .. table.concat(by_node[node], ',') .. ']'
    -- A node without a lease (it left, or died) reads no inbox: an entry would only recreate its
    -- stream for ever. Its members rejoin elsewhere and get the session's state then.
    -- The caller's own lease was just checked (fenced): only other nodes' need a look.
    if node ~= self and redis.call('EXISTS', 'pt:lease:' .. node) == 0 then
    elseif rec and node ~= self then
      redis.call('XADD', 'pt:in:' .. node, 'MAXLEN', '~', INBOX_MAXLEN, '*', 's', sid, 'v', v, 'd', d, 'r', rec)
    else
      redis.call('XADD', 'pt:in:' .. node, 'MAXLEN', '~', INBOX_MAXLEN, '*', 's', sid, 'v', v, 'd', d)
    end
  end
  return #order
end

-- Reads a counted list at a[i]: n, then n values. Returns the list and the next index.
local function list_at(a, i)
  local n = tonumber(a[i])
  local out = {}
  for k = 1, n do out[k] = a[i + k] end
  return out, i + n + 1
end

local function drop_partition_if_empty(p, tag)
  if redis.call('DECR', p .. 'count') <= 0 then
    redis.call('DEL', p .. 'count', p .. 'seq')
    redis.call('SREM', 'pt:apps', tag)
  end
end

-- ARGV: node incarnation sid tag <9 record fields> <n, actor node pairs…>
local function create(keys, a)
  local node, incarnation, sid, tag = a[1], a[2], a[3], a[4]
  if fenced(node, incarnation) then return 'FENCED' end
  local p = 'pt:{' .. tag .. '}:'
  local r = record_fields(a, 5)
  if redis.call('EXISTS', 'pt:sid:' .. sid) == 1 then return 0 end
  if redis.call('HSETNX', p .. 'names', r.n, sid) == 0 then return 0 end
  redis.call('SET', 'pt:sid:' .. sid, tag)
  local o = redis.call('INCR', p .. 'seq')
  redis.call('INCR', p .. 'count')
  redis.call('SADD', 'pt:apps', tag)
  redis.call('ZADD', p .. 'all', o, sid)
  write_record(p, sid, 1, o, r)
  local pairs_list = list_at(a, 14)
  apply_nodes(p, tag, sid, pairs_list)
  return 1
end

-- ARGV: node incarnation sid tag expected_version lock_token has_next [9 record fields]
--       <n, actor node pairs…> <n, actor json pairs…> [<n, actor node pairs of expected_version> [own]]
-- The old pairs are optional (a caller that sends none, e.g. a node of an earlier release, costs
-- an HGETALL of at:<sid>); they are trusted only once the version check passed. own = '1': the
-- items leave out the caller's own members, and the reply is {v, last id of the caller's inbox}.
local function commit(keys, a)
  local node, incarnation, sid, tag, expected, lock = a[1], a[2], a[3], a[4], a[5], a[6]
  if fenced(node, incarnation) then return { -2 } end
  local p = 'pt:{' .. tag .. '}:'
  local sk = p .. 's:' .. sid
  local cur = redis.call('HMGET', sk, 'v', 'b', 'o', 'n', 'open', 'vis', 'pl', 'max', 'dl')
  if not cur[1] then return { -3 } end
  local lk = redis.call('GET', p .. 'lk:' .. sid)
  if lk and lk ~= lock then return { -4 } end
  if cur[1] ~= expected then return { -1, cur[1], cur[2] } end
  local v = tonumber(cur[1]) + 1
  local i = 8
  local oldmap, newmap, rec
  local r, pairs_list
  if a[7] == '1' then
    r = record_fields(a, i)
    rec = r.b
    i = i + 9
  end
  pairs_list, i = list_at(a, i)
  local items
  items, i = list_at(a, i)
  local old_pairs
  if a[i] then old_pairs, i = list_at(a, i) end
  -- The caller delivers its own members' events itself (from this reply) and sent only the
  -- others': it needs its inbox's last id to order them after the entries already there.
  local own = a[i] == '1'
  if r then
    write_record(p, sid, v, cur[3], r, { cur[5], cur[6], cur[7], cur[8], cur[9] })
    oldmap, newmap = apply_nodes(p, tag, sid, pairs_list, old_pairs)
  else
    if redis.call('HGET', p .. 'names', cur[4]) == sid then redis.call('HDEL', p .. 'names', cur[4]) end
    for _, index in ipairs({ 'listed', 'joinable', 'deadlines', 'all' }) do redis.call('ZREM', p .. index, sid) end
    oldmap, newmap = apply_nodes(p, tag, sid, {}, old_pairs)
    redis.call('DEL', sk, 'pt:sid:' .. sid)
    drop_partition_if_empty(p, tag)
  end
  route(sid, v, newmap, oldmap, items, node, rec)
  if lk then redis.call('DEL', p .. 'lk:' .. sid) end
  if own then
    local last = redis.call('XREVRANGE', 'pt:in:' .. node, '+', '-', 'COUNT', 1)[1]
    return { v, last and last[1] or '0-0' }
  end
  return { v }
end

-- Deliveries outside a commit (known addresses on entry): routed by at:<sid>, version 0.
-- ARGV: node incarnation sid <n, actor json pairs…>
local function publish(keys, a)
  if fenced(a[1], a[2]) then return -2 end
  local sid = a[3]
  local tag = redis.call('GET', 'pt:sid:' .. sid)
  if not tag then return 0 end
  local at = redis.call('HGETALL', 'pt:{' .. tag .. '}:at:' .. sid)
  local map = {}
  for i = 1, #at, 2 do map[at[i]] = at[i + 1] end
  return route(sid, 0, map, {}, (list_at(a, 4)), a[1])
end

-- Gives back a write lock that still holds this token. ARGV: tag sid token
local function unlock(keys, a)
  local lk = 'pt:{' .. a[1] .. '}:lk:' .. a[2]
  if redis.call('GET', lk) == a[3] then return redis.call('DEL', lk) end
  return 0
end

-- Reads. get: ARGV sid -> {v, b} | nil. by_name: ARGV tag name -> {sid, v, b} | nil.
-- records: ARGV tag sid… -> flat v, b per sid (false where gone). count: sum over partitions.
local function get(keys, a)
  local tag = redis.call('GET', 'pt:sid:' .. a[1])
  if not tag then return nil end
  local r = redis.call('HMGET', 'pt:{' .. tag .. '}:s:' .. a[1], 'v', 'b')
  if not r[1] then return nil end
  return r
end

local function by_name(keys, a)
  local p = 'pt:{' .. a[1] .. '}:'
  local sid = redis.call('HGET', p .. 'names', a[2])
  if not sid then return nil end
  local r = redis.call('HMGET', p .. 's:' .. sid, 'v', 'b')
  if not r[1] then return nil end
  return { sid, r[1], r[2] }
end

local function records(keys, a)
  local p = 'pt:{' .. a[1] .. '}:'
  local out = {}
  for i = 2, #a do
    local r = redis.call('HMGET', p .. 's:' .. a[i], 'v', 'b')
    out[#out + 1] = r[1] or false
    out[#out + 1] = r[2] or false
  end
  return out
end

local function count(keys, a)
  local total = 0
  for _, tag in ipairs(redis.call('SMEMBERS', 'pt:apps')) do
    total = total + (tonumber(redis.call('GET', 'pt:{' .. tag .. '}:count')) or 0)
  end
  return total
end

redis.register_function('pt_create', create)
redis.register_function('pt_commit', commit)
redis.register_function('pt_publish', publish)
redis.register_function('pt_unlock', unlock)
redis.register_function{ function_name = 'pt_get', callback = get, flags = { 'no-writes' } }
redis.register_function{ function_name = 'pt_by_name', callback = by_name, flags = { 'no-writes' } }
redis.register_function{ function_name = 'pt_records', callback = records, flags = { 'no-writes' } }
redis.register_function{ function_name = 'pt_count', callback = count, flags = { 'no-writes' } }
`;
