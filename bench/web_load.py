#!/usr/bin/env python3
"""Hammer the web interface on loopback and measure what the supervisor
does meanwhile, idle and then under load:

  - crash-to-restart latency of an app that crashes every 50 ms
    (its "exit" timestamp to the next run's "start" timestamp);
  - the delay of log lines from an app that prints a timestamp every 10 ms
    (the timestamp to the moment the line is in its log file);
  - the load itself: requests served, their latency, errors.

Bounded: one daemon in a temporary PM2_HOME, loopback only, a fixed number
of connections for a fixed time per phase; everything is stopped at the end.

  bench/web_load.py [--pm2 build/pm2] [--seconds 5] [--conns 8]
                    [--port 18790] [--path /metrics] [--json]
"""
import argparse
import json
import multiprocessing
import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time

CRASHER = """#!/bin/sh
echo "start $(date +%s%N)"
sleep 0.05
echo "exit $(date +%s%N)"
exit 1
"""

TICKER = """#!/bin/sh
while :; do echo "t $(date +%s%N)"; sleep 0.01; done
"""


# Phases: nothing else running; a CPU burner that talks to no one (the
# control: what a busy machine alone costs); the HTTP load.
PHASES = ("idle", "cpu_hog", "loaded")


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def summary_ms(values_ns):
    ms = [v / 1e6 for v in values_ns]
    return {"n": len(ms), "p50": pct(ms, 50), "p95": pct(ms, 95), "max": max(ms) if ms else None}


def hammer(port, path, conns, seconds, out):
    """Keep `conns` keep-alive connections busy with GET `path`. Niced, so
    on a small machine the load generator's own CPU use competes less with
    the apps than the server's work does."""
    os.nice(19)
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    sel = selectors.DefaultSelector()
    lat, errors, done = [], 0, 0

    def open_conn():
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        st = {"sock": s, "buf": b"", "t0": time.monotonic_ns()}
        s.send(req)
        sel.register(s, selectors.EVENT_READ, st)

    for _ in range(conns):
        open_conn()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for key, _ in sel.select(0.1):
            st = key.data
            try:
                data = st["sock"].recv(262144)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                errors += 1
                sel.unregister(st["sock"])
                st["sock"].close()
                open_conn()
                continue
            st["buf"] += data
            head_end = st["buf"].find(b"\r\n\r\n")
            if head_end < 0:
                continue
            head = st["buf"][:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                k, _, v = line.partition(":")
                if k.lower() == "content-length":
                    length = int(v)
            total = head_end + 4 + length
            if len(st["buf"]) < total:
                continue
            if not head.startswith("HTTP/1.1 200"):
                errors += 1
            done += 1
            now = time.monotonic_ns()
            lat.append(now - st["t0"])
            st["buf"] = st["buf"][total:]
            st["t0"] = now
            st["sock"].send(req)
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    out.put({"requests": done, "errors": errors, "per_second": round(done / seconds),
             "latency_ms": summary_ms(lat)})


def hog(seconds):
    """The control: the same kind of niced CPU burner, talking to no one."""
    os.nice(19)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def read_new(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    return data, offset + len(data)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase(args, logs, daemon, load=None):
    """One measuring phase; returns its figures."""
    crash_log, tick_log = logs
    cpu0, t0 = cpu_seconds(daemon), time.monotonic()
    crash_off = os.path.getsize(crash_log)
    tick_off = os.path.getsize(tick_log)
    q = multiprocessing.Queue()
    gen = None
    if load == "http":
        gen = multiprocessing.Process(target=hammer,
                                      args=(args.port, args.path, args.conns, args.seconds, q))
    elif load == "cpu":
        gen = multiprocessing.Process(target=hog, args=(args.seconds,))
    if gen:
        gen.start()
    delays, pending = [], b""
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        data, tick_off = read_new(tick_log, tick_off)
        now = time.time_ns()
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            parts = line.split()
            if len(parts) == 2 and parts[0] == b"t":
                delays.append(now - int(parts[1]))
        time.sleep(0.001)
    result = {"log_delay_ms": summary_ms(delays),
              "daemon_cpu_percent": round(100 * (cpu_seconds(daemon) - cpu0) /
                                          (time.monotonic() - t0))}
    data, _ = read_new(crash_log, crash_off)
    gaps, last_exit = [], None
    for line in data.split(b"\n"):
        parts = line.split()
        if len(parts) != 2:
            continue
        if parts[0] == b"exit":
            last_exit = int(parts[1])
        elif parts[0] == b"start" and last_exit is not None:
            gaps.append(int(parts[1]) - last_exit)
            last_exit = None
    result["restart_latency_ms"] = summary_ms(gaps)
    if load == "http":
        result["load"] = q.get(timeout=args.seconds + 30)
    if gen:
        gen.join()
    return result


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--pm2", default=os.path.join(here, "..", "build", "pm2"))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--port", type=int, default=18790)
    ap.add_argument("--path", default="/metrics")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    args.seconds = min(args.seconds, 60)  # bounded, whatever is asked
    args.conns = min(args.conns, 64)

    home = tempfile.mkdtemp(prefix="pm2bench.")
    work = tempfile.mkdtemp(prefix="pm2benchw.")
    env = dict(os.environ, PM2_HOME=home, NO_COLOR="1")
    pm2 = os.path.abspath(args.pm2)
    try:
        for name, text in (("crasher.sh", CRASHER), ("ticker.sh", TICKER)):
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(work, name), 0o755)
        run = lambda *a: subprocess.run([pm2, *a], cwd=work, env=env, check=True,
                                        stdout=subprocess.DEVNULL)
        run("start", "crasher.sh", "--max-restarts", "1000000", "-s")
        run("start", "ticker.sh", "-s")
        run("web", str(args.port))
        logs = (os.path.join(home, "logs", "crasher-out.log"),
                os.path.join(home, "logs", "ticker-out.log"))
        time.sleep(1)  # let both apps get going
        daemon = int(open(os.path.join(home, "pm2.pid")).read())
        result = {"seconds": args.seconds, "conns": args.conns, "path": args.path,
                  "idle": phase(args, logs, daemon),
                  "cpu_hog": phase(args, logs, daemon, "cpu"),
                  "loaded": phase(args, logs, daemon, "http")}
        with open("/proc/%d/status" % daemon) as f:
            rss = [l.split()[1] for l in f if l.startswith("VmRSS")]
        result["daemon_rss_kb"] = int(rss[0]) if rss else None
    finally:
        subprocess.run([pm2, "kill"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(result))
        return
    print("GET %s on %d connections, %.0f s per phase" % (args.path, args.conns, args.seconds))
    load = result["loaded"]["load"]
    print("load: %d requests (%d/s), %d errors, latency p50 %.2f ms p95 %.2f ms" % (
        load["requests"], load["per_second"], load["errors"], load["latency_ms"]["p50"],
        load["latency_ms"]["p95"]))
    for what in ("restart_latency_ms", "log_delay_ms"):
        for ph in PHASES:
            s = result[ph][what]
            print("%-19s %-7s n=%-5d p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms" % (
                what, ph, s["n"], s["p50"] or 0, s["p95"] or 0, s["max"] or 0))
    print("daemon CPU: %s; RSS after: %s kB" % (
        ", ".join("%s %d%%" % (ph, result[ph]["daemon_cpu_percent"]) for ph in PHASES),
        result["daemon_rss_kb"]))


if __name__ == "__main__":
    main()
