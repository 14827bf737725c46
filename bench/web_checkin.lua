-- web_checkin.lua - wrk script for benchmark (c) of bench/web.sh: each
-- request submits one check-in through the client's form, POST
-- /c/TOKEN, on a fresh single-use link. The links are in the file named
-- by $LINKS_FILE, one "TOKEN CSRF" per line (the CSRF value the form
-- carried; bench/web.sh fetched it from GET /c/TOKEN on this server).
-- Thread k of n ($WRK_THREADS, wrk's -t) takes lines k, k+n, k+2n, ...:
-- no link is posted twice.
-- A thread that runs out stops and says so (the figure is then a lower
-- bound: run again with more links). wrk calls request() once before
-- the run to check it: that link is counted in "posted" but never sent.
local threads = {}

setup = function(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

-- The answers: the alliance check-in (7 items), PHQ-9 (10) and GAD-7
-- (8), the instruments of a default link.
local function answers()
	local a = {}
	local alliance = {3, 3, 2, 3, 3, 2, 3}
	local phq9 = {1, 2, 1, 1, 0, 1, 1, 0, 0, 1}
	local gad7 = {1, 1, 2, 1, 0, 1, 1, 1}
	for i, v in ipairs(alliance) do
		a[#a + 1] = "a.checkin-alliance." .. i .. "=" .. v
	end
	for i, v in ipairs(phq9) do
		a[#a + 1] = "a.phq9." .. i .. "=" .. v
	end
	for i, v in ipairs(gad7) do
		a[#a + 1] = "a.gad7." .. i .. "=" .. v
	end
	return table.concat(a, "&")
end

local links = {}
local n_links = 0
local next_link = 1
used = 0
ran_out = 0

init = function(args)
	local file = os.getenv("LINKS_FILE")
	local nthreads = tonumber(os.getenv("WRK_THREADS"))
	local f = assert(io.open(file, "r"), "cannot open " .. tostring(file))
	local n = 0
	local body = answers()
	local headers = {["Content-Type"] =
	                 "application/x-www-form-urlencoded"}
	for line in f:lines() do
		if n % nthreads == id then
			local tok, csrf = line:match("^(%S+) (%x+)$")
			if tok then
				n_links = n_links + 1
				links[n_links] = wrk.format("POST", "/c/" .. tok,
					headers, "csrf=" .. csrf .. "&" .. body)
			end
		end
		n = n + 1
	end
	f:close()
end

request = function()
	if next_link > n_links then
		if ran_out == 0 then
			ran_out = 1
			wrk.thread:stop()
		end
		return wrk.format("GET", "/static/attune.css")
	end
	local req = links[next_link]
	links[next_link] = nil
	next_link = next_link + 1
	used = used + 1
	return req
end

done = function(summary, latency, requests)
	local e = summary.errors
	local posted, out = 0, 0
	for _, t in ipairs(threads) do
		posted = posted + t:get("used")
		out = out + t:get("ran_out")
	end
	io.write(string.format(
		"RESULT requests=%d duration_us=%d bytes=%d p50_us=%d " ..
		"p90_us=%d p99_us=%d max_us=%d err_connect=%d err_read=%d " ..
		"err_write=%d err_status=%d err_timeout=%d posted=%d " ..
		"ran_out=%d\n",
		summary.requests, summary.duration, summary.bytes,
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max, e.connect, e.read,
		e.write, e.status, e.timeout, posted, out))
end
