"""Shared helpers for the fault drills (imported by every drill; not run on its own).

Everything a drill starts goes through `spawn` or `on_cleanup`, so the exit handler stops exactly
what this drill started (by process group id), whatever way the drill ends. Only the standard
library is used here; Debian's python3-aiosmtpd and python3-psycopg2 are installed on demand.
"""

import atexit
import email
import email.policy
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
# Debian's interpreter: Debian packages (aiosmtpd, psycopg2) live on its path, not pyenv's.
PY = "/usr/bin/python3"
PASSWORD = "drill-password-1"
STARTED = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - STARTED:6.1f}s] {msg}", flush=True)


class DrillFailed(Exception):
    pass


def check(ok, msg):
    """A drill assertion: prints it either way, raises on failure."""
    log(("ok    " if ok else "FAIL  ") + msg)
    if not ok:
        raise DrillFailed(msg)


# ---------------------------------------------------------------------------------------------
# Cleanup: stop only what we started, in reverse order.

_cleanups = []


def on_cleanup(fn):
    _cleanups.append(fn)


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up the rest
            print(f"cleanup: {e}", file=sys.stderr)


atexit.register(_run_cleanups)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def main(fn):
    """Runs a drill body: prints the verdict and exits non-zero on failure."""
    try:
        fn()
    except DrillFailed as e:
        log(f"DRILL FAILED after {time.monotonic() - STARTED:.0f}s: {e}")
        sys.exit(1)
    log(f"DRILL PASSED in {time.monotonic() - STARTED:.0f}s")


# ---------------------------------------------------------------------------------------------
# Processes

class Proc:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, name, argv, env=None, cwd=None, log_path=None):
        self.name = name
        self.log_path = log_path or os.path.join(workdir(), f"{name}.log")
        self._log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            argv, env=env, cwd=cwd or workdir(), stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.popen.pid
        on_cleanup(self.stop)

    def alive(self):
        return self.popen.poll() is None

    def send_signal(self, sig):
        if self.alive():
            os.killpg(self.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.alive():
            try:
                os.killpg(self.pid, sig)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait(5)
            except ProcessLookupError:
                pass
        else:
            # The group leader is gone; make sure no child of it lingers.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._log.flush()

    def kill9(self):
        self.stop(signal.SIGKILL)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


_workdir = None


def workdir():
    """A temp dir for this drill's logs and files; removed at exit unless KEEP_DRILL_DIR=1."""
    global _workdir
    if _workdir is None:
        _workdir = tempfile.mkdtemp(prefix="portico-drill-")
        os.chmod(_workdir, 0o755)
        if os.environ.get("KEEP_DRILL_DIR") == "1":
            print(f"logs kept in {_workdir}", flush=True)
        else:
            on_cleanup(lambda: shutil.rmtree(_workdir, ignore_errors=True))
    return _workdir


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, fn, timeout, interval=0.2):
    """Polls fn() until it returns a truthy value; returns (value, seconds waited)."""
    start = time.monotonic()
    while True:
        value = fn()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise DrillFailed(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Debian packages and the release binary

def need_debian(*packages):
    """Installs Debian packages that are not installed yet (apt-get, as the README's setup does)."""
    missing = []
    for pkg in packages:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    if not missing:
        return
    log(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   check=True, env=env, stdout=subprocess.DEVNULL)


def portico_bin():
    """The release binary: $PORTICO_BIN, or target/release/portico rebuilt when older than the
    sources (askama templates and migrations are compiled in, so they count as sources)."""
    if os.environ.get("PORTICO_BIN"):
        return os.environ["PORTICO_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = os.path.join(target, "release", "portico")
    newest = 0.0
    for top in ("src", "migrations", "templates", "static", "Cargo.toml", "Cargo.lock"):
        path = os.path.join(ROOT, top)
        if os.path.isfile(path):
            newest = max(newest, os.path.getmtime(path))
        for dirpath, _dirs, files in os.walk(path):
            for f in files:
                newest = max(newest, os.path.getmtime(os.path.join(dirpath, f)))
    if not os.path.exists(binary) or os.path.getmtime(binary) < newest:
        log("building the release binary (cargo build --release --locked)")
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    return binary


def binary_knows(binary, word):
    """Whether a configuration variable's name appears in the binary (feature detection)."""
    with open(binary, "rb") as f:
        return word.encode() in f.read()


# ---------------------------------------------------------------------------------------------
# Postgres

def psycopg():
    need_debian("python3-psycopg2")
    import psycopg2  # noqa: E402  (installed just above)
    return psycopg2


class Db:
    """A small autocommit connection; reconnects after the server went away."""

    def __init__(self, url):
        self.url = url
        self.conn = None

    def _connect(self):
        if self.conn is None or self.conn.closed:
            self.conn = psycopg().connect(self.url, connect_timeout=5)
            self.conn.autocommit = True
        return self.conn

    def rows(self, sql, args=()):
        try:
            with self._connect().cursor() as cur:
                cur.execute(sql, args or None)
                return cur.fetchall() if cur.description else []
        except psycopg().OperationalError:
            self.close()
            raise

    def one(self, sql, args=()):
        rows = self.rows(sql, args)
        return rows[0][0] if rows else None

    def close(self):
        if self.conn is not None and not self.conn.closed:
            self.conn.close()
        self.conn = None


SHARED_PG = "postgres://postgres@127.0.0.1:5432"


def scratch_database(name):
    """A database of our own on the machine's shared Postgres, dropped at exit."""
    admin = Db(f"{SHARED_PG}/postgres")
    admin.rows(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()

    def drop():
        d = Db(f"{SHARED_PG}/postgres")
        d.rows(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        d.close()
    on_cleanup(drop)
    return f"{SHARED_PG}/{name}"  # Portico creates and migrates it


# ---------------------------------------------------------------------------------------------
# The SMTP sink

class SmtpSink:
    """bench/drills/smtp_sink.py in its own process: one JSON line per message received."""

    def __init__(self, port=None, delay_ms=0):
        need_debian("python3-aiosmtpd")
        self.port = port or free_port()
        self.delay_ms = delay_ms
        self.path = os.path.join(workdir(), f"mail-{self.port}.jsonl")
        self.proc = None

    def start(self):
        self.proc = Proc(f"smtp-{self.port}", [PY, os.path.join(HERE, "smtp_sink.py"), str(self.port),
                                               self.path, str(self.delay_ms)])
        wait_until("the SMTP sink", lambda: port_open(self.port), 15)
        return self

    def stop(self):
        self.proc.stop()
        wait_until("the SMTP port to close", lambda: not port_open(self.port), 10)

    def messages(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------------------------------------
# Portico

PORTICO_VARS = ("DATABASE_URL", "PUBLIC_STAFF_URL", "PUBLIC_PORTAL_URL", "SMTP_URL", "MAIL_FROM",
                "INVITE_TTL_DAYS", "BIND_ADDR", "LOG_FORMAT", "RUST_LOG", "DEV_MAILBOX", "SECRET_KEY",
                "TRUSTED_PROXIES", "MAX_CONNECTIONS", "MAX_CONNECTIONS_PER_ADDRESS",
                "HEADER_READ_TIMEOUT_SECS")


class Portico:
    """One `portico serve` process. `public_port` is what the public URLs say (nginx's port when
    behind the proxy); `port` is where this process listens."""

    def __init__(self, name, database_url, smtp_port, port=None, public_port=None, extra_env=None):
        self.binary = portico_bin()
        self.name = name
        self.port = port or free_port()
        self.public_port = public_port or self.port
        env = {k: v for k, v in os.environ.items() if k not in PORTICO_VARS}
        env.update({
            "DATABASE_URL": database_url,
            "BIND_ADDR": f"127.0.0.1:{self.port}",
            "PUBLIC_STAFF_URL": f"http://app.localhost:{self.public_port}",
            "PUBLIC_PORTAL_URL": f"http://client.localhost:{self.public_port}",
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "MAIL_FROM": "Portico Drill <drill@portico.localhost>",
            "LOG_FORMAT": "pretty",
            "RUST_LOG": "info",
        })
        env.update(extra_env or {})
        self.env = env
        self.proc = None

    def start(self, timeout=60):
        self.proc = Proc(self.name, [self.binary, "serve"], env=self.env)

        def up():
            if not self.proc.alive():
                raise DrillFailed(f"{self.name} exited at start:\n{self.proc.log_text()[-3000:]}")
            return port_open(self.port) and probe(self.port, "/healthz")[0] == 200
        _, took = wait_until(f"{self.name} to answer /healthz", up, timeout)
        log(f"{self.name} up on 127.0.0.1:{self.port} in {took:.1f}s (pid {self.proc.pid})")
        return self

    def cli(self, *args):
        r = subprocess.run([self.binary, *args], env=self.env, cwd=workdir(), capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise DrillFailed(f"portico {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def create_provider(self, name, admin_email):
        out = self.cli("provider", "create", "--name", name, "--admin-email", admin_email)
        m = re.search(r"https?://\S+/invite/\S+", out)
        check(m is not None, f"`portico provider create` printed an invite link for {admin_email}")
        return m.group(0)

    def agent(self, connect_port=None, source=None):
        return Agent(connect_port or self.port, self.public_port, source=source)


def probe(port, path, host="app.localhost", timeout=40):
    """(status, seconds, body) of one GET, or (None, seconds, error text)."""
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path, headers={"Host": f"{host}:{port}"})
        r = conn.getresponse()
        body = r.read()
        conn.close()
        return r.status, time.monotonic() - start, body.decode("utf-8", "replace")
    except Exception as e:
        return None, time.monotonic() - start, f"{type(e).__name__}: {e}"


# ---------------------------------------------------------------------------------------------
# A browser-like HTTP agent: one cookie jar, Host headers for both sites, CSRF from forms.

class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers  # list of (name, value) exactly as received
        self.body = body
        self.elapsed = elapsed

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def location(self):
        return self.header("location")

    def csrf(self):
        m = re.search(r'name="csrf" value="([^"]*)"', self.text)
        if not m:
            raise DrillFailed(f"no CSRF field on the page (status {self.status}):\n{self.text[:1500]}")
        return html.unescape(m.group(1))

    def invite_link(self):
        m = re.search(r'id="invite-link" type="text" readonly value="([^"]*)"', self.text)
        if not m:
            raise DrillFailed(f"no invite link on the page (status {self.status}):\n{self.text[:1500]}")
        return html.unescape(m.group(1))


SITES = {"staff": "app.localhost", "portal": "client.localhost"}


class Agent:
    def __init__(self, connect_port, public_port, source=None):
        self.connect_port = connect_port
        self.public_port = public_port
        self.source = (source, 0) if source else None  # e.g. 127.0.0.2, to be another client
        self.cookies = {}  # (site, name) -> value

    def origin(self, site):
        return f"http://{SITES[site]}:{self.public_port}"

    def request(self, site, method, path, body=None, content_type=None, extra_headers=None,
                timeout=40):
        headers = {"Host": f"{SITES[site]}:{self.public_port}", "Accept": "text/html"}
        jar = self.cookie_header(site)
        if jar:
            headers["Cookie"] = jar
        if method == "POST":
            headers["Origin"] = self.origin(site)
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        headers.update(extra_headers or {})
        start = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.connect_port, timeout=timeout,
                                          source_address=self.source)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            raw_headers = r.getheaders()
        finally:
            conn.close()
        self.absorb_cookies(site, raw_headers)
        return Response(r.status, raw_headers, data, time.monotonic() - start)

    def cookie_header(self, site):
        return "; ".join(f"{n}={v}" for (s, n), v in self.cookies.items() if s == site)

    def absorb_cookies(self, site, headers):
        for k, v in headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if re.search(r"max-age=0\b", v, re.I) or value == "":
                    self.cookies.pop((site, name.strip()), None)
                else:
                    self.cookies[(site, name.strip())] = value

    def get(self, site, path, **kw):
        return self.request(site, "GET", path, **kw)

    def post(self, site, path, fields, **kw):
        """Posts urlencoded fields (a list of pairs, so a name may repeat)."""
        return self.request(site, "POST", path, body=urllib.parse.urlencode(fields), **kw)

    def submit(self, site, form_path, action, fields):
        """Opens form_path, then posts action with that page's CSRF token, as a person would."""
        page = self.get(site, form_path)
        return self.post(site, action, [("csrf", page.csrf()), *fields])

    def sign_in(self, site, email, password=PASSWORD):
        r = self.submit(site, "/login", "/login", [("email", email), ("password", password)])
        check(r.status == 303, f"{email} signs in on the {site} host (got {r.status} -> {r.location})")
        return r

    def accept_invite(self, link, name="Drill Person", password=PASSWORD):
        """Accepts an emailed or printed invite link as a new person."""
        u = urllib.parse.urlsplit(link)
        site = "staff" if u.hostname == "app.localhost" else "portal"
        page = self.get(site, u.path)
        check(page.status == 200, f"the invite page opens (got {page.status})")
        r = self.post(site, u.path + "/accept", [("csrf", page.csrf()), ("password", password),
                                                 ("confirm", password), ("name", name)])
        check(r.status == 303, f"the invitation is accepted (got {r.status} -> {r.location})")
        return r


# ---------------------------------------------------------------------------------------------
# Common product steps

def bootstrap_admin(portico, provider="Drill Provider", email_addr="admin@drill.example",
                    agent=None):
    """Provider from the command line, its ADMIN signed in through the emailed link's page."""
    link = portico.create_provider(provider, email_addr)
    agent = agent or portico.agent()
    agent.accept_invite(link, name="Drill Admin")
    return agent


def create_client(agent, name, contact_email=""):
    r = agent.submit("staff", "/clients", "/clients", [("name", name), ("contact_email", contact_email)])
    check(r.status == 303 and r.location.startswith("/clients/"), f"client {name!r} created")
    return r.location.rsplit("/", 1)[1]


def company_ids(agent, client_id):
    page = agent.get("staff", f"/clients/{client_id}/users/invite")
    return re.findall(r'name="companies" value="([0-9a-f-]{36})"', page.text)


def invite_client_user(agent, client_id, email_addr, company, role="CLIENT"):
    """Share to Client: opens the form, sends it, returns the response."""
    path = f"/clients/{client_id}/users/invite"
    return agent.submit("staff", path, path, [("email", email_addr), ("role", role),
                                              ("companies", company)])


def parse_message(raw_bytes):
    """Recipient-independent facts of a message: subject and links in its text."""
    msg = email.message_from_bytes(raw_bytes, policy=email.policy.default)
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            try:
                texts.append(part.get_content())
            except Exception:
                texts.append(part.get_payload(decode=True).decode("utf-8", "replace"))
    body = "\n".join(texts)
    links = sorted(set(re.findall(r"https?://[^\s\"'<>]+/(?:invite|reset-password)/[A-Za-z0-9_-]+", body)))
    return {"subject": str(msg.get("subject", "")), "links": links}
