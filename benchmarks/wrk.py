"""One bounded wrk run: a Lua script rotates over the given paths (or bodies) and prints its summary as JSON."""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

MARKER = "BENCH-JSON "
# A naive baseline at full scale answers in seconds under load: slow is measured, only a hang is an error.
REQUEST_TIMEOUT = "60s"
SCRIPT = """
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local method = "%(method)s"
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(id * 7919 + os.time())
end
function request()
  local body = nil
  if #bodies > 0 then body = bodies[math.random(#bodies)] end
  return wrk.format(method, paths[math.random(#paths)], nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(marker)s{"requests": %%d, "duration_us": %%d, "non_2xx_3xx": %%d, "socket_errors": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Load:
    """What wrk sends: GETs over `paths`, or POSTs of `bodies` to them; `headers` on every request."""

    paths: tuple[str, ...]
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    bodies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measured:
    requests: int
    seconds: float
    non_2xx_3xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def lua_strings(values: tuple[str, ...]) -> str:
    return ", ".join(json.dumps(value) for value in values)  # a JSON string is a valid Lua string literal here


def wrk_binary() -> str:
    """wrk on PATH; as root on Debian it is installed here, so `make bench` works on a fresh machine."""
    found = shutil.which("wrk")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        print("make bench: wrk is missing, installing the Debian package (apt-get install -y wrk)", flush=True)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "wrk"], check=False)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("make bench drives the app with wrk; install it: sudo apt-get install -y wrk")
    return found


def run_wrk(base_url: str, load: Load, *, seconds: float, connections: int, threads: int = 2) -> Measured:
    script = SCRIPT % {
        "paths": lua_strings(load.paths),
        "bodies": lua_strings(load.bodies),
        "method": load.method,
        "marker": MARKER,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
        command += ["--timeout", REQUEST_TIMEOUT, "-s", handle.name]
        for name, value in load.headers:
            command += ["-H", f"{name}: {value}"]
        finished = subprocess.run([*command, base_url], capture_output=True, text=True, timeout=seconds + 120)
    finally:
        Path(handle.name).unlink()
    line = next((line for line in finished.stdout.splitlines() if line.startswith(MARKER)), None)
    if finished.returncode or line is None:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    raw = json.loads(line.removeprefix(MARKER))
    return Measured(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        non_2xx_3xx=raw["non_2xx_3xx"],
        socket_errors=raw["socket_errors"],
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
    )
