"""Load test: many concurrent keep-alive clients doing NTLM handshakes against `sspi-emu serve`.

    python bench/load_serve.py --clients 200 --seconds 30

Starts `sspi-emu serve --port 0` (NTLM only, no Persistent-Auth) as a subprocess on
127.0.0.1; spreads the clients over worker processes (threads inside each); every client
keeps one TCP connection and repeats NEGOTIATE -> 401 challenge -> AUTHENTICATE -> 200 on it
until the time is up. Prints handshakes, errors, throughput and the server's resident
memory sampled every second (it should stay flat). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing
import re
import subprocess
import sys
import threading
import time
from typing import Any

USER, PASSWORD = "DEMO\\alice", "Passw0rd!"


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _connect(port: int, ca: str | None) -> http.client.HTTPConnection:
    if ca:
        import ssl

        return http.client.HTTPSConnection("localhost", port, timeout=60, context=ssl.create_default_context(cafile=ca))
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def _client(port: int, deadline: float, start_at: float, counts: dict[str, int], lock: threading.Lock,
            ca: str | None) -> None:
    from sspi_emu import ClientContext, Credential

    cred = Credential("NTLM", user=USER, password=PASSWORD)
    while time.time() < start_at:
        time.sleep(0.01)
    conn = _connect(port, ca)
    done = errors = reconnects = 0
    while time.time() < deadline:
        try:
            ctx = ClientContext("NTLM", target="HTTP/127.0.0.1", credential=cred)
            t1 = base64.b64encode(ctx.step()).decode()
            conn.request("GET", "/load", headers={"Authorization": f"NTLM {t1}"})
            r1 = conn.getresponse()
            r1.read()
            challenge = r1.getheader("WWW-Authenticate", "")
            if r1.status != 401 or not challenge.startswith("NTLM "):
                raise RuntimeError(f"leg 1: {r1.status}")
            t3 = base64.b64encode(ctx.step(base64.b64decode(challenge[5:]))).decode()
            conn.request("GET", "/load", headers={"Authorization": f"NTLM {t3}"})
            r2 = conn.getresponse()
            r2.read()
            if r2.status != 200:
                raise RuntimeError(f"leg 2: {r2.status}")
            if r2.getheader("Connection", "").lower() == "close":
                raise RuntimeError("server closed the connection")
            ctx.close()
            done += 1
        except Exception as exc:  # counted, then a fresh connection
            errors += 1
            print(f"client error: {type(exc).__name__}: {str(exc)[:80]}", file=sys.stderr)
            conn.close()
            conn = _connect(port, ca)
            reconnects += 1
    conn.close()
    with lock:
        counts["handshakes"] = counts.get("handshakes", 0) + done
        counts["errors"] = counts.get("errors", 0) + errors
        counts["reconnects"] = counts.get("reconnects", 0) + reconnects


def _worker(port: int, threads: int, deadline: float, start_at: float, queue: Any, ca: str | None) -> None:
    from sspi_emu import Credential

    Credential("NTLM", user=USER, password=PASSWORD).close()  # load the packages before the threads start
    counts: dict[str, int] = {}
    lock = threading.Lock()
    pool = [threading.Thread(target=_client, args=(port, deadline, start_at, counts, lock, ca))
            for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put(counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=max(1, min(8, multiprocessing.cpu_count())))
    parser.add_argument("--tls", action="store_true", help="HTTPS, the server's TLS done by our Schannel package")
    args = parser.parse_args(argv)

    server = subprocess.Popen(
        [sys.executable, "-m", "sspi_emu", "serve", "--port", "0", "--schemes", "NTLM", "--no-persistent",
         "--user", f"{USER}:{PASSWORD}", "--idle-timeout", "120"] + (["--tls"] if args.tls else []),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert server.stdout is not None
    port = 0
    ca: str | None = None
    for line in server.stdout:
        m = re.search(r"port (\d+)$", line.strip())
        if m:
            port = int(m.group(1))
            if not args.tls:
                break
        m = re.search(r"trust the CA in (\S+)", line)
        if m:
            ca = m.group(1)
            break
    if not port:
        print("server did not start", file=sys.stderr)
        server.kill()
        return 1
    start_at = time.time() + 2.0
    log_lines = {"200": 0, "401": 0, "other": 0, "traceback": 0}
    refusals: dict[str, int] = {}
    first_refusal: list[float] = []

    def drain() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            if '" 200 ' in line:
                log_lines["200"] += 1
            elif '" 401 ' in line:
                log_lines["401"] += 1
            else:
                log_lines["other"] += 1
            if "Traceback" in line:
                log_lines["traceback"] += 1
            m = re.search(r'auth="([^"]*(refused|no credentials)[^"]*)"', line)
            if m:
                refusals[m.group(1)] = refusals.get(m.group(1), 0) + 1
                if not first_refusal:
                    first_refusal.append(time.time() - start_at)

    threading.Thread(target=drain, daemon=True).start()
    rss: list[tuple[float, int]] = []
    deadline = start_at + args.seconds
    queue: Any = multiprocessing.Queue()
    per = [args.clients // args.processes + (1 if i < args.clients % args.processes else 0)
           for i in range(args.processes)]
    procs = [multiprocessing.Process(target=_worker, args=(port, n, deadline, start_at, queue, ca))
             for n in per if n]
    for p in procs:
        p.start()
    rss.append((0.0, _rss_kib(server.pid)))
    while time.time() < deadline + 1:
        time.sleep(1.0)
        rss.append((time.time() - start_at, _rss_kib(server.pid)))
    totals: dict[str, int] = {}
    for _ in procs:
        for k, v in queue.get(timeout=120).items():
            totals[k] = totals.get(k, 0) + v
    for p in procs:
        p.join(30)
    time.sleep(0.5)
    server.terminate()
    server.wait(10)
    hs = totals.get("handshakes", 0)
    warm = [kib for t, kib in rss if t >= 5.0] or [rss[-1][1]]
    print(f"clients={args.clients} processes={len(procs)} seconds={args.seconds:.0f} "
          f"{'https (Schannel)' if args.tls else 'http'}")
    print(f"handshakes={hs} ({hs / args.seconds:.0f}/s) errors={totals.get('errors', 0)} "
          f"reconnects={totals.get('reconnects', 0)}")
    print(f"server log lines: 200={log_lines['200']} 401={log_lines['401']} other={log_lines['other']} "
          f"tracebacks={log_lines['traceback']}")
    print(f"server RSS KiB: idle={rss[0][1]} after-5s={warm[0]} end={warm[-1]} max={max(k for _, k in rss)} "
          f"growth-after-warmup={warm[-1] - warm[0]}")
    if refusals:
        print(f"refusals (first at {first_refusal[0]:.1f} s): "
              + ", ".join(f"{k}: {v}" for k, v in sorted(refusals.items(), key=lambda kv: -kv[1])))
    print("RSS samples (s, KiB): " + " ".join(f"{t:.0f}:{k}" for t, k in rss))
    return 0 if totals.get("errors", 0) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
