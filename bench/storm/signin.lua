-- 50 people signing in at once: every other request with a wrong password, each from its own
-- address (the server trusts X-Forwarded-For from 127.0.0.1 in this run), so the wrong-password
-- limits do not turn the storm away before it reaches argon2.
local n = 0
local csrf, cookie = os.getenv("CSRF"), os.getenv("VISITOR")
function request()
  n = n + 1
  local password = (n % 2 == 0) and "portico-demo-1" or "wrong-password-" .. n
  local body = "csrf=" .. csrf .. "&email=casey%40bench.test&password=" .. password
  local headers = {
    ["Host"] = os.getenv("PORTAL_HOST"),
    ["Origin"] = "http://" .. os.getenv("PORTAL_HOST"),
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256),
  }
  return wrk.format("POST", "/login", headers, body)
end

local codes = {}
function response(status)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency)
  io.write(string.format("sign-ins: %d in %.1f s = %.1f/s; p50 %.0f ms, p99 %.0f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
