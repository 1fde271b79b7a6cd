"""Watching a process tree from a test: free ports, descendants and their command lines, plain HTTP calls."""

import json
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (parent := parent_of(int(entry.name))) is not None:
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def request(url: str, *, body: dict | None = None, token: str = "") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


class MakeTarget:
    """`make <target>` started as a terminal would (its own process group), its output in `log`."""

    def __init__(self, target: str, *, cwd: Path, env: dict[str, str], port: int, log: Path) -> None:
        self.target = target
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("wb") as output:
            # Its own process group, like a terminal's foreground job: Ctrl-C reaches make and honcho together.
            self.process = subprocess.Popen(
                ["make", target], cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"make {self.target} exited with {self.process.returncode}:\n{self.output()[-4000:]}")

    def serving(self) -> bool:
        self.check_running()
        return request(f"{self.base}/healthz")[0] == 200


def create_product(base: str, token: str, **product: Any) -> str:
    """Send create-product over HTTP as an integrator would; the new product's id once it is accepted."""
    status, body = request(f"{base}/api/v1/commands/create-product/", body=product, token=token)
    assert status == 202, body
    return body["aggregate_id"]
