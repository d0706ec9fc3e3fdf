-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script: replays one pre-signed POST (the query string carries every parameter, as
-- alipay-sdk puts them in the URL). The gateway still verifies and signs every time.
-- Prints "BENCH requests req/s p50_ms p99_ms max_ms errors" (errors: socket errors, and every
-- response that is not a 200 whose body contains BENCH_EXPECT) and "BENCH_RATES n1 n2 …", the
-- responses completed in each wall-clock second (the first and last seconds partial), which
-- shows throughput drifting over a run.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8"
wrk.body = os.getenv("BENCH_BODY") or ""
local expect = os.getenv("BENCH_EXPECT") or ""

-- Each wrk thread runs its own Lua state, and done() yet another: counters are globals of the
-- thread states, read back through the thread objects setup() keeps.
local threads = {}
bad = 0
rates = ""
rate_second = 0
rate_count = 0

setup = function(thread)
  table.insert(threads, thread)
end

response = function(status, headers, body)
  local now = os.time()
  if now ~= rate_second then
    if rate_count > 0 then
      rates = rates .. rate_count .. " "
    end
    rate_second, rate_count = now, 0
  end
  rate_count = rate_count + 1

  if status ~= 200 or not string.find(body, expect, 1, true) then
    bad = bad + 1
    if bad == 1 then
      io.stderr:write("unexpected response: " .. status .. " " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end

-- Sum of global NAME over the threads.
function thread_total(name)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get(name) or 0)
  end
  return total
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %.0f %.3f %.3f %.3f %d\n",
                         summary.requests,
                         summary.requests / (summary.duration / 1e6),
                         latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000,
                         latency.max / 1000,
                         thread_total("bad") + summary.errors.connect + summary.errors.read +
                         summary.errors.write + summary.errors.timeout))
  for _, thread in ipairs(threads) do
    io.write("BENCH_RATES " .. thread:get("rates") .. thread:get("rate_count") .. "\n")
  end
end
