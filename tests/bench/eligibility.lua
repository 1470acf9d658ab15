-- wrk script for the gateway eligibility benchmark (tests/bench/gateway_bench.sh).
-- Usage: wrk ... -s eligibility.lua URL -- IDS_FILE PROGRAM CHANNEL
-- IDS_FILE holds "citizen_id,nhi_card_no" lines. Every request is formatted once in init(), so
-- the per-request cost on wrk's side is a table lookup and the same for every server under test
-- (the nginx baseline gets byte-identical requests).

local requests = {}
local count = 0
local next_index = 0

function init(args)
  local ids_file, program, channel = args[1], args[2] or "CASH2023", args[3] or "atm"
  local file = assert(io.open(ids_file, "r"), "cannot open " .. tostring(ids_file))
  local headers = { ["Content-Type"] = "application/json" }
  for line in file:lines() do
    local id, nhi = line:match("^([^,]+),([^,]*)")
    if id then
      local body = '{"program":"' .. program .. '","citizen_id":"' .. id ..
                   '","channel":"' .. channel .. '"'
      if nhi ~= "" then body = body .. ',"nhi_card_no":"' .. nhi .. '"' end
      body = body .. '}'
      count = count + 1
      requests[count] = wrk.format("POST", "/v1/eligibility", headers, body)
    end
  end
  file:close()
  assert(count > 0, "no citizen ids in " .. ids_file)
  -- Threads start at different places so they do not ask for the same citizens in lockstep
  -- (each wrk thread has its own Lua state and seeds its generator from its address).
  math.randomseed(tonumber(tostring({}):match("0x(%x+)"), 16) or 1)
  next_index = math.floor(math.random() * count)
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end
