-- Counts the answers that are not 2xx (wrk's own "Non-2xx or 3xx" line only
-- counts 4xx and 5xx) and those that say "Connection: close" (how a server
-- tells a keep-alive client not to send another request when it stops),
-- then prints one STOP-RESULT line of JSON with those and wrk's socket
-- errors by kind, for bench/stop_under_load.ts to read.
-- The response() callback makes wrk parse every answer in Lua: fine here,
-- where the server's 5–50 ms handler is the bottleneck, not wrk.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  non2xx = 0
  status503 = 0
  closes = 0
end

function response(status, headers, body)
  responses = responses + 1
  for name, value in pairs(headers) do
    if name:lower() == "connection" and value:lower() == "close" then
      closes = closes + 1
    end
  end
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if status == 503 then
      status503 = status503 + 1
    end
  end
end

function done(summary, latency, requests)
  local totals = { responses = 0, non2xx = 0, status503 = 0, closes = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'STOP-RESULT {"requests":%d,"responses":%d,"non2xx":%d,"status503":%d,' ..
      '"closes":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, totals.responses, totals.non2xx, totals.status503,
    totals.closes,
    errors.connect, errors.read, errors.write, errors.timeout))
end
