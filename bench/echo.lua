-- POSTs a 64 KiB body to /echo; the server reads it all and sends it back.
-- Kept to static request fields: a Lua response() callback would make wrk
-- parse every body in Lua and become the bottleneck.
wrk.method = "POST"
wrk.body = string.rep("x", 64 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
