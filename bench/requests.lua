-- wrk driver: each thread replays its own share of pre-encrypted callbacks, starting after the
-- first `skip` callbacks (those a previous round against the same database sent). A thread that
-- runs out starts over (duplicates); bench/__main__.py refuses a round that sent more than its share.
-- A fourth argument paces each connection (milliseconds between its requests).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, total, skip = args[1], tonumber(args[2]), tonumber(args[3] or "0")
  local pace = tonumber(args[4] or "0")
  if pace > 0 then
    -- a paced run: each connection waits this many milliseconds before its next request
    function delay() return pace end
  end
  reqs = {}
  local n = 0
  for line in io.lines(path) do
    if n % total == id then
      local target, body = line:match("^(.-)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", target, {["Content-Type"] = "text/xml"}, body)
    end
    n = n + 1
  end
  i = math.floor(skip / total) % math.max(#reqs, 1)
end

function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH rps=%.1f p50=%.2f p99=%.2f max=%.2f errors=%d connect=%d read=%d write=%d "
    .. "timeout=%d non2xx=%d requests=%d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout, e.status, summary.requests))
end
