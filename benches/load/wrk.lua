-- wrk script of the load benchmark (scripts/bench). Environment:
--   BENCH_BODY_PREFIX  the request body up to the variables: {"query":"…","variables":
--   BENCH_IDS          a file of customer ids, one a line
--   BENCH_CUSTOMERS    how many profiles were seeded (emails are c<n>@bench.example)
--   BENCH_LABEL        the label id assignLabels assigns
--   BENCH_TOKEN        the bearer token
-- Each request picks a random customer. done() prints one line the script parses:
--   RESULT <requests> <seconds> <p50 µs> <p99 µs> <non-2xx or errors>

local prefix = os.getenv("BENCH_BODY_PREFIX")
local label = os.getenv("BENCH_LABEL") or ""
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1")
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do
  ids[#ids + 1] = line
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")

failures = 0

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  local id = ids[math.random(#ids)]
  local n = math.random(customers) - 1
  local body = string.format('%s{"id":"%s","email":"c%d@bench.example","label":"%s"}}', prefix, id, n, label)
  return wrk.format(nil, "/graphql", nil, body)
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failures = failures + 1
  end
end

-- Each thread counts its own failures; done() runs in the main state, so the threads are
-- asked for theirs.
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do
    failed = failed + (t:get("failures") or 0)
  end
  failed = failed + summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.3f %d %d %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), failed))
end
