-- POST runs/log-metric with a fresh (timestamp, step) per request so that no point is a
-- duplicate (duplicates are ignored by the store and would flatter the figure).
-- RUN_ID comes from the environment (bench/tracking.sh creates the run).
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
  local step = thread_id * 100000000 + counter
  local body = string.format(
    '{"run_id":"%s","key":"loss","value":%d.5,"timestamp":1700000000000,"step":%d}',
    run_id, counter % 1000, step)
  return wrk.format(nil, "/api/2.0/mlflow/runs/log-metric", nil, body)
end
