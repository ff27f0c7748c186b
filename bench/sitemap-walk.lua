-- wrk script for bench/sitemap.mjs: every connection reads the pages of a list in turn, over and over.
--   wrk -t2 -c32 -d10s --latency -s bench/sitemap-walk.lua http://127.0.0.1:PORT -- PATHS_FILE
-- PATHS_FILE holds one path a line (/, /khalkhin-gol-1939/, /tag/1939/ ...). The requests are made once, in
-- init(), so request() costs wrk no formatting per call. Each thread starts at its own place in the list, so the
-- threads do not read the same page at the same moment.

local threads = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

local requests = {}
local at = 0

function init(args)
  local file = args[1]
  if file == nil then
    error("usage: wrk ... -s sitemap-walk.lua URL -- PATHS_FILE")
  end
  for line in io.lines(file) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  if #requests == 0 then
    error("no paths in " .. file)
  end
  at = ((thread_index or 0) * 7) % #requests
end

function request()
  at = at % #requests + 1
  return requests[at]
end
