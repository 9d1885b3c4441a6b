-- wrk script for bench/server.sh: MFA login flows, each a password login and then a TOTP code.
--
-- Environment:
--   FLOW_API      twofold (POST /login/ -> /mfa/verify/) or allauth (django-allauth headless
--                 app client: /_allauth/app/v1/auth/login -> /_allauth/app/v1/auth/2fa/authenticate)
--   FLOW_USERS    size of the user pool: bench<F>@bench.test ... bench<F+N-1>@bench.test, one
--                 password (FLOW_PASSWORD), all enrolled with one TOTP secret
--   FLOW_FIRST    F, the pool's first user (default 0): two wrk runs at once, one per server
--                 instance, take pools apart
--   FLOW_CODES    file of "STEP CODE" lines: that secret's code for each 30-second step of the run
--   FLOW_THREADS  wrk's -t (users are dealt round-robin to the threads)
--
-- Each flow takes the next user of the pool, so no user is asked twice for a code (replay
-- protection is per user) unless the pool runs out; then users are reused and "reused" says
-- how often. A verify request is sent on whichever connection of the thread is free next: the
-- pending second steps wait in a per-thread queue, since wrk does not say which connection a
-- response came on. Every response is classified; anything unexpected counts as an error and
-- its status is tallied, so a run that measures failures shows it.

local api = os.getenv("FLOW_API") or "twofold"
local pool = tonumber(os.getenv("FLOW_USERS") or "1000")
local first = tonumber(os.getenv("FLOW_FIRST") or "0")
local password = os.getenv("FLOW_PASSWORD") or "bench-pass-1234"
local nthreads = tonumber(os.getenv("FLOW_THREADS") or "1")
local period = 30

local codes = {}
for line in io.lines(os.getenv("FLOW_CODES")) do
  local step, code = line:match("^(%d+) (%d+)$")
  if step then codes[tonumber(step)] = code end
end

local paths = {
  twofold = { login = "/login/", verify = "/mfa/verify/" },
  allauth = { login = "/_allauth/app/v1/auth/login", verify = "/_allauth/app/v1/auth/2fa/authenticate" },
}
assert(paths[api], "FLOW_API must be twofold or allauth")

local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state)
local queue, head, tail = {}, 1, 0
local n = 0
flows, logins, errors, reused, nocode = 0, 0, 0, 0, 0
statuses = ""
local bad = {}

local json_headers = { ["Content-Type"] = "application/json" }

function request()
  if head <= tail then
    local r = queue[head]
    queue[head] = nil
    head = head + 1
    return r
  end
  local i = tid + n * nthreads
  n = n + 1
  if i >= pool then
    reused = reused + 1
    i = i % pool
  end
  local body = string.format('{"email":"bench%d@bench.test","password":"%s"}', first + i, password)
  return wrk.format("POST", paths[api].login, json_headers, body)
end

local function enqueue(req)
  tail = tail + 1
  queue[tail] = req
end

local function current_code()
  local code = codes[math.floor(os.time() / period)]
  if not code then nocode = nocode + 1 end
  return code or "000000"
end

local function error_status(status)
  errors = errors + 1
  bad[status] = (bad[status] or 0) + 1
  local parts = {}
  for s, c in pairs(bad) do table.insert(parts, s .. "=" .. c) end
  statuses = table.concat(parts, ",")
end

function response(status, headers, body)
  if api == "twofold" then
    local challenge = body:match('"challenge_id":"([^"]+)"')
    if status == 200 and challenge then
      logins = logins + 1
      enqueue(wrk.format("POST", paths.twofold.verify, json_headers,
        string.format('{"challenge_id":"%s","code":"%s"}', challenge, current_code())))
    elseif status == 200 and body:find('"access"', 1, true) then
      flows = flows + 1
    else
      error_status(status)
    end
  else
    local token = body:match('"session_token":%s*"([^"]+)"')
    if status == 401 and token and body:find('"mfa_authenticate"', 1, true) then
      logins = logins + 1
      enqueue(wrk.format("POST", paths.allauth.verify,
        { ["Content-Type"] = "application/json", ["X-Session-Token"] = token },
        string.format('{"code":"%s"}', current_code())))
    elseif status == 200 and body:find('"is_authenticated":%s*true') then
      flows = flows + 1
    else
      error_status(status)
    end
  end
end

function done(summary, latency, requests)
  local f, l, e, r, nc, st = 0, 0, 0, 0, 0, {}
  for _, t in ipairs(threads) do
    f = f + t:get("flows")
    l = l + t:get("logins")
    e = e + t:get("errors")
    r = r + t:get("reused")
    nc = nc + t:get("nocode")
    local s = t:get("statuses")
    if s ~= "" then table.insert(st, s) end
  end
  local secs = summary.duration / 1e6
  local ms = function(us) return us / 1000 end
  io.write(string.format(
    "RESULT api=%s seconds=%.1f requests=%d flows=%d flows_per_s=%.1f logins=%d errors=%d " ..
    "error_statuses=%s socket_errors=%d reused_users=%d missing_codes=%d " ..
    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f\n",
    api, secs, summary.requests, f, f / secs, l, e, #st > 0 and table.concat(st, ";") or "none",
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    r, nc, ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(99)),
    ms(latency:percentile(99.9)), ms(latency.max)))
end
