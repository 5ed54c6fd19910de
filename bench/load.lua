-- Replays a TSV file of requests (method, path, cookie, body): each wrk thread takes every
-- n-th line, so no request is sent twice unless a thread runs out and wraps (counted).
-- Arguments after "--": the TSV file and the number of wrk threads.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  local lines = {}
  for line in io.lines(args[1]) do
    table.insert(lines, line)
  end
  if #lines < nthreads then
    nthreads = 1 -- too few lines to share out: every thread replays them all
  end
  reqs = {}
  for i, line in ipairs(lines) do
    if (i - 1) % nthreads == id % nthreads then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      -- the User-Agent the students logged in with (plan.py), as a browser sends every time
      local headers = {["User-Agent"] = "quizapp-bench"}
      if cookie ~= "" then
        headers["Cookie"] = cookie
      end
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      if body == "" then
        body = nil
      end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
  end
  n = 0
  wrapped = 0
end

function request()
  n = n + 1
  if n > #reqs then
    n = 1
    wrapped = wrapped + 1
  end
  return reqs[n]
end

function done(summary, latency, requests)
  local wraps = 0
  for _, t in ipairs(threads) do
    wraps = wraps + (t:get("wrapped") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, '
      .. '"errors": %d, "status_errors": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status, wraps))
end
