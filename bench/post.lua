-- POSTs one body to a body-reading route; the server reads it all and sends
-- it back. Arguments after wrk's `--`: the content type, then either a size
-- (that many "x" bytes: 64 KiB is too long for a command line) or the body.
-- Kept to static request fields: a Lua response() callback would make wrk
-- parse every body in Lua and become the bottleneck.
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = args[1]
  local size = tonumber(args[2])
  wrk.body = size and string.rep("x", size) or args[2]
end
