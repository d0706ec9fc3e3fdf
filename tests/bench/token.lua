-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script: alipay.system.oauth.token requests that each spend their own authorization code
-- (a code is single use, so nothing can be replayed). BENCH_PATHS names a file of pre-signed
-- request targets, one a line (token-requests.c); each request takes the next one and none is
-- ever sent twice. Responses are checked, and the BENCH line printed, as post.lua does (run with
-- -t1: each wrk thread would read the whole file). When the run outlasts the file, the last
-- target is sent again (the gateway refuses its spent code, so those count as errors) and a
-- line "BENCH_OUT_OF_CODES N" says how many requests had no code of their own.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "post.lua")

local paths = {}
local next_path = 1
out_of_codes = 0

init = function(args)
  local name = os.getenv("BENCH_PATHS") or error("token.lua: BENCH_PATHS is not set")
  local file = io.open(name, "r") or error("token.lua: cannot read " .. name)
  for line in file:lines() do
    paths[#paths + 1] = line
  end
  file:close()
  if #paths == 0 then
    error("token.lua: no request in " .. name)
  end
end

request = function()
  -- (wrk also calls this once, before the run, to check the request: that target is never sent,
  -- its code stays unspent.)
  local path = paths[next_path]
  if path ~= nil then
    next_path = next_path + 1
  else
    out_of_codes = out_of_codes + 1
    path = paths[#paths]
  end
  return wrk.format(nil, path)
end

local post_done = done
done = function(summary, latency, requests)
  post_done(summary, latency, requests)
  local missing = thread_total("out_of_codes")
  if missing > 0 then
    io.write(string.format("BENCH_OUT_OF_CODES %d\n", missing))
  end
end
