-- wrk script of bench/load.py: every request is the next line of a file, and the run ends by
-- printing one JSON line of figures (latency percentiles, errors, responses by status class).
--
--   wrk -t2 -c64 -d20s -s bench/wrk/requests.lua http://127.0.0.1:8000 -- FILE 2
--
-- A line is a path, sent as a GET, or "path<TAB>token", sent as a POST with
-- "Authorization: Bearer token" (the JSON API's upvote: Bearer requests need no CSRF token),
-- or "path<TAB>cookie:VALUE", sent as a GET with "Cookie: VALUE" (a signed-in browser).
-- The second argument is the number of threads: thread k starts (k-1)/threads into the file,
-- so they send different requests; each wraps around at the end.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

function init(args)
  local lines = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  requests = {}
  for k, line in ipairs(lines) do
    local path, token = line:match("^([^\t]+)\t(.+)$")
    if path and token:sub(1, 7) == "cookie:" then
      requests[k] = wrk.format("GET", path, { ["Cookie"] = token:sub(8) })
    elseif path then
      requests[k] = wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token }, "")
    else
      requests[k] = wrk.format("GET", line)
    end
  end
  -- spread the threads over the file so they do not send the same requests
  local spread = tonumber(args[2] or "2")
  at = math.floor((thread_no - 1) * #requests / spread) % #requests
  s2xx, s3xx, s429, s4xx, s5xx = 0, 0, 0, 0, 0
end

function request()
  at = at % #requests + 1
  return requests[at]
end

function response(status, headers, body)
  if status == 429 then
    s429 = s429 + 1
  elseif status >= 500 then
    s5xx = s5xx + 1
  elseif status >= 400 then
    s4xx = s4xx + 1
  elseif status >= 300 then
    s3xx = s3xx + 1
  else
    s2xx = s2xx + 1
  end
end

function done(summary, latency, requests)
  local counts = { s2xx = 0, s3xx = 0, s429 = 0, s4xx = 0, s5xx = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(counts) do
      counts[name] = counts[name] + (thread:get(name) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "non_2xx_3xx": %d, '
      .. '"2xx": %d, "3xx": %d, "429": %d, "4xx": %d, "5xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    counts.s2xx, counts.s3xx, counts.s429, counts.s4xx, counts.s5xx
  ))
end
