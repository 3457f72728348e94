#!/usr/bin/env python3
"""Times the Lambda functions' `bootstrap`s on this machine, as Lambda would run them.

A minimal Lambda Runtime API (the HTTP interface every custom runtime polls) on 127.0.0.1
hands each bootstrap API Gateway HTTP API (v2) events and times:
  - init: from starting the process to its first request for an event (settings, catalogue,
    store client; Lambda bills this on cold starts);
  - handler: from handing over an event to receiving the answer (what Lambda bills per call).
The functions talk to whatever DynamoDB-compatible server AWS_ENDPOINT_URL_DYNAMODB names
(`.ci/test` explains the local one); the table must exist (`diandan store init`).

  python3 .ci/lambda_bench.py --catalogue public/catalogue.json --table bench \
      --program minju-chenjinggu --township nanyu [--cold 5] [--warm 50]

docs/performance.md ("Lambda packages") has the figures and what they do not show.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class Runtime:
    """The queue of events and the timings of one bootstrap process."""

    def __init__(self):
        self.lock = threading.Condition()
        self.events = []  # (request id, event) waiting to be handed over
        self.first_poll = None
        self.handed = {}  # request id -> time handed over
        self.done = {}  # request id -> (seconds, status code of the answer)

    def next_event(self):
        with self.lock:
            if self.first_poll is None:
                self.first_poll = time.perf_counter()
                self.lock.notify_all()
            while not self.events:
                self.lock.wait()
            request_id, event = self.events.pop(0)
            self.handed[request_id] = time.perf_counter()
            return request_id, event

    def answered(self, request_id, body):
        now = time.perf_counter()
        with self.lock:
            status = json.loads(body or b"{}").get("statusCode", 0)
            self.done[request_id] = (now - self.handed[request_id], status)
            self.lock.notify_all()

    def push(self, request_id, event):
        with self.lock:
            self.events.append((request_id, event))
            self.lock.notify_all()

    def wait(self, predicate, timeout=30):
        with self.lock:
            if not self.lock.wait_for(predicate, timeout):
                raise TimeoutError("the bootstrap did not answer in time")


def handler_for(runtime):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code, body=b"", headers=()):
            try:
                self.send_response(code)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bootstrap was stopped while it waited for its next event

        def do_GET(self):
            if self.path != f"{PREFIX}/invocation/next":
                return self.reply(404)
            request_id, event = runtime.next_event()
            deadline = int(time.time() * 1000) + 10_000
            self.reply(
                200,
                json.dumps(event).encode(),
                [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:local:0:function:bench"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000"),
                ],
            )

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = self.path.split("/")
            if self.path.endswith("/response"):
                runtime.answered(parts[-2], body)
            elif self.path.endswith("/error"):
                print("the function reported an error:", body.decode(errors="replace"))
                runtime.answered(parts[-2], b"{}")
            self.reply(202)

    return Handler


def event(method, path, body=None):
    """An HTTP API (v2) event as API Gateway sends it."""
    headers = {"host": "api.diandan.example", "accept": "application/json"}
    if body is not None:
        headers["content-type"] = "application/json"
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "api.diandan.example",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "bench"},
            "requestId": "bench",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": None if body is None else json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }


PHONES = (f"139{n:08d}" for n in itertools.count(int(time.time()) % 10_000_000))


def order(args):
    body = {"program": args.program, "township": args.township, "name": "测试",
            "phone": next(PHONES)}
    return event("POST", "/api/orders", body)


def tallies(_args):
    return event("GET", "/api/tallies")


def peak_memory_mb(pid):
    """The process's peak resident memory (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(args, function, make_event, calls, port):
    """Starts one bootstrap, hands it `calls` events; returns (init s, [handler s], peak MB)."""
    runtime = Runtime()
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(runtime))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}",
               AWS_LAMBDA_FUNCTION_NAME=function, AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", DIANDAN_TABLE=args.table,
               DIANDAN_HMAC_SECRET="bench-secret-0123456789abcdef",
               DIANDAN_CATALOGUE_PATH=args.catalogue, DIANDAN_LOG="warn")
    started = time.perf_counter()
    process = subprocess.Popen([os.path.join(args.lambda_dir, function, "bootstrap")], env=env)
    try:
        runtime.wait(lambda: runtime.first_poll is not None)
        init = runtime.first_poll - started
        times = []
        for n in range(calls):
            request_id = f"{function}-{n}"
            runtime.push(request_id, make_event(args))
            runtime.wait(lambda: request_id in runtime.done)
            seconds, status = runtime.done[request_id]
            if status >= 400:
                raise RuntimeError(f"{function} answered {status}")
            times.append(seconds)
        return init, times, peak_memory_mb(process.pid)
    finally:
        process.kill()
        process.wait()
        server.shutdown()
        server.server_close()


def ms(values):
    return f"{statistics.median(values) * 1000:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--township", required=True)
    parser.add_argument("--lambda-dir", default="target/lambda")
    parser.add_argument("--cold", type=int, default=5, help="cold starts per function")
    parser.add_argument("--warm", type=int, default=50, help="warm calls per function")
    parser.add_argument("--port", type=int, default=9311)
    args = parser.parse_args()
    args.catalogue = os.path.abspath(args.catalogue)
    print("| function | call | init ms (median) | first call ms | warm call ms (median) | p90 | peak MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for function, make_event, label in (("orders", order, "POST /api/orders (JSON)"),
                                        ("tallies", tallies, "GET /api/tallies")):
        cold = [run(args, function, make_event, 1, args.port) for _ in range(args.cold)]
        _, warm, peak = run(args, function, make_event, args.warm + 1, args.port)
        warm = warm[1:]
        p90 = sorted(warm)[int(len(warm) * 0.9) - 1]
        print(f"| {function} | {label} | {ms([c[0] for c in cold])} | "
              f"{ms([c[1][0] for c in cold])} | {ms(warm)} | {p90 * 1000:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
