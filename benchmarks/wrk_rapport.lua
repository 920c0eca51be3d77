-- wrk script of the benchmark (benchmarks/charge.py).
-- Cycles through the request lines of a file ("path<TAB>cookie", one per
-- line), counts every answer that is not a 200 (a redirect to the login page
-- must not pass for a fast page) and prints one JSON line with the latency
-- percentiles, so that p95 is read exactly instead of parsed from a table.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("numero", #threads)
end

local requetes = {}
local position = 0
numero = 1
non200 = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if cookie ~= "" then headers["Cookie"] = cookie end
      table.insert(requetes, wrk.format("GET", path, headers))
    end
  end
  -- threads start at different places in the list
  position = ((numero or 1) * 7919) % #requetes
end

function request()
  position = (position % #requetes) + 1
  return requetes[position]
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local total_non200 = 0
  for _, thread in ipairs(threads) do
    total_non200 = total_non200 + (thread:get("non200") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "non200": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.timeout, total_non200))
end
