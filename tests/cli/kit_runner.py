"""Runs the GitOps kit's steps as GitHub Actions and GitLab CI would, on this machine.

Every `run:` / `script:` step of the kit runs in bash, in a copy of the example repository (a git
repository with a local bare remote), with this checkout's `vozzoctl` on PATH and the emulator
as the Vozzo API. Only what cannot run here is stood in for: `actions/checkout` and
`actions/setup-python` (the copy and this Python are already there), `pip` / `python -m pip`
(they record what would be installed), `apt-get`, and `gh` (a small fake of the GitHub API
that keeps comments and issues in a JSON file). GitLab's notes API is a local HTTP server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from vozzoctl.clock import today_ist
from vozzoctl.demo import shift_dates

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "campaigns.example"
ACTION = "vozzo-ai/vozzoctl"
STEP_TIMEOUT_S = 120

# ---------------------------------------------------------------------------- expressions

_CONTEXT = re.compile(r"\b(inputs|steps|github|env|secrets|vars)((?:\.[A-Za-z_][\w-]*)+)")
_EMBEDDED = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expr: str, ctx: dict[str, Any], *, failed: bool = False) -> Any:
    """A GitHub Actions expression, for the subset the kit uses: contexts, string literals,
    ==, !=, &&, ||, !, always(), success(), failure()."""

    def get(path: str) -> Any:
        node: Any = ctx
        for part in path.split("."):
            node = node.get(part, "") if isinstance(node, dict) else ""
        return node

    py = _CONTEXT.sub(lambda m: f"_get({m[0]!r})", expr)
    py = py.replace("&&", " and ").replace("||", " or ")
    py = re.sub(r"!(?!=)", " not ", py)
    py = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", py))
    py = py.replace("always()", "True").replace("success()", f"{not failed}")
    py = py.replace("failure()", f"{failed}")
    return eval(py, {"_get": get, "__builtins__": {}})


def substitute(text: str, ctx: dict[str, Any]) -> str:
    return _EMBEDDED.sub(lambda m: str(evaluate(m[1], ctx) or ""), text)


def condition(step: dict[str, Any], ctx: dict[str, Any], failed: bool) -> bool:
    expr = str(step.get("if", "success()")).strip()
    expr = _EMBEDDED.sub(lambda m: m[1], expr)
    if not re.search(r"always\(\)|success\(\)|failure\(\)", expr):
        expr = f"success() && ({expr})"
    return bool(evaluate(expr, ctx, failed=failed))


# ---------------------------------------------------------------------------- the machine


@dataclass
class StepRun:
    name: str
    script: str
    code: int
    out: str
    err: str


@dataclass
class Machine:
    """A runner's workspace, tools and environment; what ran, in order."""

    root: Path
    base_env: dict[str, str]
    runs: list[StepRun] = field(default_factory=list)

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def installs(self) -> list[list[str]]:
        path = self.root / "installs.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        return [json.loads(line) for line in lines]

    @property
    def github(self) -> dict[str, Any]:
        path = self.root / "github.json"
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        return data

    def bash(self, name: str, script: str, env: dict[str, str], *, errexit: bool = True) -> int:
        path = self.root / "step.sh"
        path.write_text(script, encoding="utf-8")
        flags = ["-eo", "pipefail"] if errexit else []
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", *flags, str(path)],
            cwd=self.work,
            env={**self.base_env, **env},
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
            check=False,
        )
        self.runs.append(StepRun(name, script, done.returncode, done.stdout, done.stderr))
        return done.returncode

    def log(self) -> str:
        return "\n".join(f"--- {r.name} → {r.code}\n{r.out}{r.err}" for r in self.runs)


def _stub(path: Path, body: str) -> None:
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


_RECORD_INSTALL = """
import json, os, sys
args = sys.argv[1:]
if os.path.basename(sys.argv[0]) == "python":
    if args[:2] != ["-m", "pip"]:
        os.execv({python!r}, [{python!r}, *args])
    args = args[2:]
with open(os.environ["KIT_INSTALLS"], "a") as f:
    f.write(json.dumps(args) + "\\n")
"""

_GH = r"""
import json, os, re, sys
state_path = os.environ["KIT_GITHUB"]
state = json.load(open(state_path)) if os.path.exists(state_path) else {}
comments = state.setdefault("comments", [])
issues = state.setdefault("issues", [])
args = sys.argv[1:]
def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default
def field(name):
    for i, a in enumerate(args):
        if a in ("-f", "--raw-field") and args[i + 1].startswith(name + "="):
            return args[i + 1][len(name) + 1:]
def quoted(jq, key):
    m = re.search(key + r'[^"]*"((?:[^"\\]|\\.)*)"', jq)
    return m[1].replace('\\"', '"') if m else None
if args[0] == "api":
    method = opt("--method", "GET")
    path = [a for a in args[1:] if a.startswith("repos/")][0]
    if method == "GET":
        marker = quoted(opt("--jq", ""), "startswith")
        for c in comments:
            if c["body"].startswith(marker):
                print(c["id"])
    elif method == "POST":
        comments.append({"id": len(comments) + 100, "body": field("body"), "path": path})
    elif method == "PATCH":
        cid = int(path.rsplit("/", 1)[1])
        [c for c in comments if c["id"] == cid][0]["body"] = field("body")
elif args[:2] == ["issue", "list"]:
    title = quoted(opt("--jq", ""), "==")
    for i in issues:
        if i["state"] == "open" and i["title"] == title:
            print(i["number"])
elif args[:2] == ["issue", "create"]:
    body = open(opt("--body-file")).read()
    issues.append({"number": len(issues) + 1, "title": opt("--title"), "body": body,
                   "state": "open"})
elif args[:2] == ["issue", "edit"]:
    [i for i in issues if i["number"] == int(args[2])][0]["body"] = open(opt("--body-file")).read()
elif args[:2] == ["issue", "close"]:
    issue = [i for i in issues if i["number"] == int(args[2])][0]
    issue["state"] = "closed"
    issue["closing_comment"] = opt("--comment")
else:
    sys.exit("gh stub: unsupported " + " ".join(args))
json.dump(state, open(state_path, "w"))
"""


@contextmanager
def machine(root: Path, *, git_rewrite: dict[str, str] | None = None) -> Iterator[Machine]:
    """A workspace holding a copy of the example (hidden files too, dates moved so that the
    first campaign starts tomorrow) as a git repository whose `origin` is a bare repository
    next to it, and stubs for what cannot run here."""
    tools = root / "tools"
    tools.mkdir()
    for name in ("python", "pip"):
        _stub(tools / name, _RECORD_INSTALL.format(python=sys.executable))
    _stub(tools / "gh", _GH)
    _stub(tools / "apt-get", "")
    origin = root / "origin.git"
    work = root / "work"
    shutil.copytree(EXAMPLE, work)
    shift_dates(work / "campaigns", today_ist() + dt.timedelta(days=1))
    gitconfig = root / "gitconfig"
    lines = ["[user]", "\tname = test", "\temail = test@example.com", "[init]",
             "\tdefaultBranch = main"]  # fmt: skip
    for url, target in (git_rewrite or {}).items():
        lines += [f'[url "{origin if target == "origin" else target}"]', f"\tinsteadOf = {url}"]
    gitconfig.write_text("\n".join(lines) + "\n")
    env = {
        "PATH": os.pathsep.join([str(tools), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(root),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "KIT_INSTALLS": str(root / "installs.jsonl"),
        "KIT_GITHUB": str(root / "github.json"),
        "LANG": "C.UTF-8",
    }
    subprocess.run(
        ["git", "init", "--bare", "-q", str(origin)], check=True, env={**os.environ, **env}
    )
    setup = [
        ["init", "-q"],
        ["add", "-A"],
        ["commit", "-q", "-m", "campaigns"],
        ["remote", "add", "origin", str(origin)],
        ["push", "-q", "origin", "HEAD:main"],
    ]
    for args in setup:
        subprocess.run(
            ["git", *args], cwd=work, check=True, env={**os.environ, **env}, capture_output=True
        )
    yield Machine(root, env)


def origin_log(m: Machine) -> list[str]:
    out = subprocess.run(
        ["git", "--git-dir", str(m.root / "origin.git"), "log", "--format=%s", "main"],
        capture_output=True, text=True, check=True, env={**os.environ, **m.base_env},
    )  # fmt: skip
    return out.stdout.splitlines()


# ---------------------------------------------------------------------------- GitHub Actions


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:  # YAML 1.1 reads the key `on` as true; GitHub reads "on"
        doc["on"] = doc.pop(True)
    return doc


def run_github_job(
    m: Machine, workflow: dict[str, Any], job: str, ctx: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """Run one job's steps; the outputs of each step by id. `ctx` holds github, secrets, vars."""
    spec = workflow["jobs"][job]
    env = {k: substitute(str(v), ctx) for k, v in workflow.get("env", {}).items()}
    env |= {k: substitute(str(v), ctx) for k, v in spec.get("env", {}).items()}
    steps: dict[str, dict[str, Any]] = {}
    failed = False
    for i, step in enumerate(spec["steps"]):
        here = {**ctx, "env": env, "steps": steps}
        if not condition(step, here, failed):
            continue
        step_env = {k: substitute(str(v), here) for k, v in step.get("env", {}).items()}
        uses = step.get("uses", "")
        if uses.startswith(("actions/checkout@", "actions/setup-python@")):
            code, outputs = 0, {}
        elif uses.startswith(f"{ACTION}@"):
            code, outputs = _run_action(m, step, {**env, **step_env}, here, failed)
        else:
            assert "run" in step, f"step {i} of {job}: {uses or step} cannot run here"
            code, outputs = _run_script(m, step.get("name", f"{job}[{i}]"), step["run"],
                                        {**env, **step_env})  # fmt: skip
        env |= _github_env(m)
        steps[step.get("id", f"_{i}")] = {"outputs": outputs, "outcome": code}
        failed = failed or code != 0
    return {k: v["outputs"] for k, v in steps.items()}


def _files(m: Machine) -> dict[str, str]:
    out = m.root / "github_output"
    out.write_text("")
    return {"GITHUB_OUTPUT": str(out), "GITHUB_ENV": str(m.root / "github_env")}


def _github_env(m: Machine) -> dict[str, str]:
    path = m.root / "github_env"
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _run_script(
    m: Machine, name: str, script: str, env: dict[str, str]
) -> tuple[int, dict[str, str]]:
    files = _files(m)
    code = m.bash(name, script, {**env, **files})
    lines = Path(files["GITHUB_OUTPUT"]).read_text().splitlines()
    return code, dict(line.split("=", 1) for line in lines if "=" in line)


def _run_action(
    m: Machine, step: dict[str, Any], env: dict[str, str], ctx: dict[str, Any], failed: bool
) -> tuple[int, dict[str, str]]:
    action = load(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs |= {k: str(v) for k, v in step.get("with", {}).items()}
    missing = [k for k, v in action["inputs"].items() if v.get("required") and k not in inputs]
    assert not missing, missing
    github = {**ctx["github"], "action_path": str(ROOT)}
    inputs = {k: substitute(v, {**ctx, "github": github}) for k, v in inputs.items()}
    steps: dict[str, dict[str, Any]] = {}
    code = 0
    for i, inner in enumerate(action["runs"]["steps"]):
        here = {**ctx, "github": github, "inputs": inputs, "steps": steps,
                "env": {**env, **_github_env(m)}}  # fmt: skip
        if not condition(inner, here, failed or code != 0):
            continue
        if inner.get("uses", "").startswith("actions/setup-python@"):
            continue
        assert inner.get("shell") == "bash", "a composite step names its shell"
        inner_env = {k: substitute(str(v), here) for k, v in inner.get("env", {}).items()}
        name = f"action {inputs['command']}: {inner.get('name', i)}"
        rc, outputs = _run_script(m, name, inner["run"], {**here["env"], **inner_env})
        steps[inner.get("id", f"_{i}")] = {"outputs": outputs}
        code = code or rc
    here = {**ctx, "steps": steps}
    outputs = {k: substitute(str(v["value"]), here) for k, v in action["outputs"].items()}
    return code, outputs


# ---------------------------------------------------------------------------- GitLab CI


class _Notes(BaseHTTPRequestHandler):
    notes: list[dict[str, Any]]
    seen: list[tuple[str, str, str]]

    def _answer(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("PRIVATE-TOKEN", "")))
        self._answer(200, self.notes)

    def _body(self) -> str:
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        return str(data["body"])

    def do_POST(self) -> None:
        self.seen.append(("POST", self.path, self.headers.get("PRIVATE-TOKEN", "")))
        self.notes.append({"id": len(self.notes) + 1, "body": self._body()})
        self._answer(201, self.notes[-1])

    def do_PUT(self) -> None:
        self.seen.append(("PUT", self.path, self.headers.get("PRIVATE-TOKEN", "")))
        note_id = int(self.path.rsplit("/", 1)[1])
        next(n for n in self.notes if n["id"] == note_id)["body"] = self._body()
        self._answer(200, {})

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def gitlab_api() -> Iterator[tuple[str, type[_Notes]]]:
    handler = type("Notes", (_Notes,), {"notes": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def gitlab_variables(doc: dict[str, Any], job: str, env: dict[str, str]) -> dict[str, str]:
    """Global then job variables, `$NAME` references expanded as GitLab does."""
    out = dict(env)
    for scope in (doc.get("variables", {}), doc[job].get("variables", {})):
        for k, v in scope.items():
            out[k] = re.sub(r"\$(\w+)", lambda m: out.get(m[1], ""), str(v))
    return out


def gitlab_script(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def run_gitlab_job(m: Machine, doc: dict[str, Any], job: str, env: dict[str, str]) -> int:
    """before_script and script in one shell that stops at the first failing line, then
    after_script in a shell of its own, as GitLab's runner does; the job's exit code."""
    variables = gitlab_variables(doc, job, env)
    default = doc.get("default", {})
    before = doc[job].get("before_script", default.get("before_script", []))
    code = m.bash(f"{job}: script", gitlab_script([*before, *doc[job]["script"]]), variables)
    after = doc[job].get("after_script", default.get("after_script", []))
    if after:
        m.bash(f"{job}: after_script", gitlab_script(after), variables)
    return code


def every_script() -> list[tuple[str, str]]:
    """Each shell script of the kit, named, as a runner would hand it to bash."""
    out: list[tuple[str, str]] = []
    action = load(ROOT / "action.yml")
    for i, step in enumerate(action["runs"]["steps"]):
        if "run" in step:
            out.append((f"action.yml step {step.get('name', i)}", step["run"]))
    for wf in sorted((EXAMPLE / ".github/workflows").glob("*.yml")):
        doc = load(wf)
        for job, spec in doc["jobs"].items():
            for i, step in enumerate(spec["steps"]):
                if "run" in step:
                    out.append((f"{wf.name} {job} step {step.get('name', i)}", step["run"]))
    gl = load(EXAMPLE / ".gitlab-ci.yml")
    default = gl.get("default", {})
    for job, spec in gl.items():
        if not isinstance(spec, dict) or "script" not in spec:
            continue
        before = spec.get("before_script", default.get("before_script", []))
        out.append((f".gitlab-ci.yml {job}", gitlab_script([*before, *spec["script"]])))
        after = spec.get("after_script", default.get("after_script", []))
        if after:
            out.append((f".gitlab-ci.yml {job} after_script", gitlab_script(after)))
    return out
