-- POST runs/log-batch with 1000 metric points per request, every point new (distinct
-- steps), spread over 10 metric keys like a training loop logging 10 metrics per step.
local run_id = os.getenv("RUN_ID")
local counter = 0
local thread_id = 0
local id_seq = 0

function setup(thread)
  id_seq = id_seq + 1
  thread:set("thread_id", id_seq)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local base = (thread_id * 100000000) + counter * 100
  local parts = {}
  for i = 0, 999 do
    local step = base + math.floor(i / 10)
    parts[#parts + 1] = string.format(
      '{"key":"m%d","value":%d.25,"timestamp":1700000000000,"step":%d}', i % 10, i, step)
  end
  local body = '{"run_id":"' .. run_id .. '","metrics":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format(nil, "/api/2.0/mlflow/runs/log-batch", nil, body)
end
