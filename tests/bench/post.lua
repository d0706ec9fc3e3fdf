-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script: replays one pre-signed POST (the query string carries every parameter, as
-- alipay-sdk puts them in the URL). The gateway still verifies and signs every time.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8"
wrk.body = os.getenv("BENCH_BODY") or ""

local bad = 0

response = function(status, headers, body)
  if status ~= 200 or not string.find(body, os.getenv("BENCH_EXPECT") or "", 1, true) then
    bad = bad + 1
    if bad == 1 then
      io.stderr:write("unexpected response: " .. status .. " " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %.0f %.3f %.3f %.3f %d\n",
                         summary.requests,
                         summary.requests / (summary.duration / 1e6),
                         latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000,
                         latency.max / 1000,
                         summary.errors.status + summary.errors.connect + summary.errors.read +
                         summary.errors.write + summary.errors.timeout))
end
