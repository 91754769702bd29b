#!/usr/bin/env python3
"""Fill a running cairn (or MLflow) tracking server with benchmark data over its REST API.

    populate.py URL runs N        # N runs in a fresh experiment, each with params, tags and
                                  # 5 metrics (acc uniform in [0,1]); prints the experiment id
    populate.py URL history RUN N # log N points of metric "loss" to RUN via log-batch

Uses only the standard library and one keep-alive connection, like a training script would.
"""
import http.client
import json
import random
import sys
import time
import urllib.parse


class Client:
    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)

    def call(self, method, path, body):
        data = json.dumps(body).encode()
        self.conn.request(method, "/api/2.0/mlflow/" + path, data,
                          {"Content-Type": "application/json"})
        r = self.conn.getresponse()
        payload = r.read()
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status}: {payload[:300]!r}")
        return json.loads(payload)


def runs(c, n):
    rnd = random.Random(42)
    exp = c.call("POST", "experiments/create", {"name": f"bench-{time.time_ns()}"})["experiment_id"]
    now = int(time.time() * 1000)
    for i in range(n):
        run = c.call("POST", "runs/create", {"experiment_id": exp, "start_time": now + i,
                                              "tags": [{"key": "mlflow.user", "value": "bench"}]})
        rid = run["run"]["info"]["run_id"]
        metrics = [{"key": k, "value": rnd.random(), "timestamp": now, "step": 0}
                   for k in ("acc", "f1", "loss", "precision", "recall")]
        params = [{"key": "lr", "value": str(rnd.choice([0.1, 0.01, 0.001]))},
                  {"key": "depth", "value": str(rnd.randint(2, 12))}]
        tags = [{"key": "team", "value": rnd.choice(["a", "b", "c"])}]
        c.call("POST", "runs/log-batch", {"run_id": rid, "metrics": metrics, "params": params,
                                           "tags": tags})
    print(exp)


def history(c, run_id, n):
    now = int(time.time() * 1000)
    for start in range(0, n, 1000):
        metrics = [{"key": "loss", "value": 1.0 / (s + 1), "timestamp": now + s, "step": s}
                   for s in range(start, min(n, start + 1000))]
        c.call("POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    c = Client(sys.argv[1])
    if sys.argv[2] == "runs":
        runs(c, int(sys.argv[3]))
    elif sys.argv[2] == "history":
        history(c, sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
