-- wrk script: POST the JSON documents of $BENCH_BODIES (one per line) to $BENCH_PATH in turn.
-- done() prints one line "BENCH {...}" that bench/load.py reads.
local path = os.getenv("BENCH_PATH")
local bodies = os.getenv("BENCH_BODIES")
local thread_count = 0

function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

local requests = {}
local position = 0

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  for line in io.lines(bodies) do
    requests[#requests + 1] = wrk.format("POST", path, headers, line)
  end
  -- threads start at different places in the rotation
  position = (thread_number or 0) * math.floor(#requests / 2)
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "status": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.timeout, errors.status, latency:percentile(50), latency:percentile(99)))
end
