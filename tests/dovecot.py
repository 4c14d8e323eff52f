"""A real Dovecot IMAP server of the test's own: its configuration, users and mail in a temp dir.

``running_dovecot()`` writes a configuration that owes nothing to /etc/dovecot, starts
``dovecot -F -c <conf>`` on free loopback ports (IMAP, with STARTTLS, and IMAPS with a
self-signed certificate when the ``openssl`` command exists), waits until it answers, and
stops it afterwards. Users and plaintext passwords come from a passwd-file in the temp dir.

Everything Dovecot writes stays in the temp dir (``base_dir``, ``state_dir``, logs, Maildirs);
``default_internal_user`` and ``default_login_user`` are the current user and no service is
chrooted, so no system account or directory is needed. Run as root, Dovecot still refuses to
run its login processes as root and to give mail access to UID 0: the login processes then run
as ``nobody`` (hence a temp dir others may traverse) and the mail belongs to ``nobody``; the
master and the internal services stay root. The server runs in a process group of its own,
stopped at once with SIGTERM to the group (then SIGKILL if anything lingers).

Under ``CI=true`` a missing Dovecot fails the test; elsewhere the test is skipped, saying
how to install it (``apt-get install dovecot-imapd``).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from bench.sink import free_port

INSTALL_HINT = "apt-get install dovecot-imapd"
#: Where Debian puts the dovecot binary and the IMAP service Dovecot starts per session.
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin")
LIBEXEC_DIRS = ("/usr/lib/dovecot", "/usr/libexec/dovecot", "/usr/local/libexec/dovecot")
#: Users of every server: name → plaintext password.
#: (No colon: it separates the fields of the passwd-file.)
USERS = {"alice": "alice-secret", "bob": "b0b p@ss/w%rd"}
START_TIMEOUT = 15.0


def _missing(detail: str) -> None:
    message = f"Dovecot is not available ({detail}); install it with: {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def find_dovecot() -> str:
    """The dovecot binary (skips or fails when it, or its IMAP service, is not installed)."""
    found = shutil.which("dovecot") or next(
        (str(Path(d, "dovecot")) for d in SBIN_DIRS if Path(d, "dovecot").is_file()), None)
    if found is None:
        _missing("no dovecot binary")
    if not any(Path(d, "imap").is_file() for d in LIBEXEC_DIRS):
        _missing("dovecot is there but not its IMAP service")
    return str(found)


@dataclass
class StoredMessage:
    uid: int
    flags: tuple[bytes, ...]
    body: bytes


@dataclass
class DovecotServer:
    """One running Dovecot; ``user``/``password`` are the first test user's."""

    root: Path
    binary: str
    port: int
    imaps_port: int | None
    #: Overrides the capabilities advertised after login (e.g. without IDLE or MOVE).
    capability: str | None = None
    host: str = "127.0.0.1"
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def user(self) -> str:
        return next(iter(self.users))

    @property
    def password(self) -> str:
        return self.users[self.user]

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def cert(self) -> Path:
        return self.root / "cert.pem"

    # -- life cycle ---------------------------------------------------------------------------

    def write_config(self) -> None:
        me = pwd.getpwuid(os.getuid())
        # Dovecot refuses root for its login processes and for mail access.
        as_root = os.getuid() == 0
        login = pwd.getpwnam("nobody") if as_root else me
        mail = login
        (self.root / "mail").mkdir(exist_ok=True)
        if as_root:
            self.root.chmod(0o755)  # the login processes (nobody) reach base_dir/login
            os.chown(self.root / "mail", mail.pw_uid, mail.pw_gid)
        (self.root / "users").write_text("".join(
            f"{name}:{{PLAIN}}{password}:{mail.pw_uid}:{mail.pw_gid}::{self.root}/mail/{name}::\n"
            for name, password in self.users.items()))
        tls = self.imaps_port is not None
        lines = [
            f"base_dir = {self.root}/run",
            f"state_dir = {self.root}/state",
            f"instance_name = dovecot-test-{self.port}",
            "protocols = imap",
            "listen = 127.0.0.1",
            f"log_path = {self.log_path}",
            f"info_log_path = {self.log_path}",
            f"default_internal_user = {me.pw_name}",
            f"default_internal_group = {_group_name(me.pw_gid)}",
            f"default_login_user = {login.pw_name}",
            "first_valid_uid = 1",
            "disable_plaintext_auth = no",
            "auth_mechanisms = plain login",
            "auth_failure_delay = 0",
            f"mail_location = maildir:{self.root}/mail/%u/Maildir",
            "mail_fsync = never",
            # No statistics process to report to (it would delay stopping the login processes).
            "stats_writer_socket_path =",
            f"ssl = {'yes' if tls else 'no'}",
        ]
        if tls:
            lines += [f"ssl_cert = <{self.cert}", f"ssl_key = <{self.root / 'key.pem'}"]
        if self.capability is not None:
            lines.append(f"imap_capability = {self.capability}")
        users_file = self.root / "users"
        if tls:
            imaps = (f"  inet_listener imaps {{\n    address = 127.0.0.1\n"
                     f"    port = {self.imaps_port}\n    ssl = yes\n  }}\n")
        else:
            imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
        lines.append(f"""
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {users_file}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {users_file}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
{imaps}}}
service anvil {{
  chroot =
}}
""")
        self.config.write_text("\n".join(lines))

    def start(self) -> DovecotServer:
        # Dovecot logs to log_path; this file only catches what it says before that is open.
        with (self.root / "dovecot.out").open("ab") as output:
            self.proc = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.config)], stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dovecot exited with {self.proc.returncode}:\n{self.log()}")
            # Ready once a user logs in: by then the processes Dovecot starts on demand (auth,
            # login) run, and none is being forked when stop() signals them all.
            if _answers(self.host, self.port) and self._login_works():
                return self
            time.sleep(0.05)
        raise AssertionError(f"dovecot does not answer on {self.port}:\n{self.log()}")

    def _login_works(self) -> bool:
        try:
            with self.client():
                return True
        except (OSError, IMAPClientError):
            return False

    def stop(self) -> None:
        """SIGTERM every process of the server at once; SIGKILL them if they linger.

        Signalled alone, the master takes a second to stop its children; its process group (a
        session of its own, started here) stops at once. Open IMAP sessions are cut as by a
        crash.
        """
        if self.proc is None:
            return
        group = self.proc.pid
        for signum in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signum)
            try:
                self.proc.wait(2)
                break
            except subprocess.TimeoutExpired:
                continue
        self.proc.wait(10)
        self.proc = None
        deadline = time.monotonic() + 5
        while _answers(self.host, self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        parts = []
        for path in (self.log_path, self.root / "dovecot.out"):
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)

    # -- helpers for the tests ------------------------------------------------------------------

    def url(self, scheme: str = "imap", folder: str = "", user: str | None = None) -> str:
        from urllib.parse import quote

        user = user or self.user
        port = self.imaps_port if scheme == "imaps" else self.port
        path = f"/{quote(folder, safe='')}" if folder else ""
        return (f"{scheme}://{quote(user, safe='')}:{quote(self.users[user], safe='')}"
                f"@{self.host}:{port}{path}")

    def ssl_context(self) -> ssl.SSLContext:
        """A client context trusting this server's self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.cert))

    @contextlib.contextmanager
    def client(self, user: str | None = None) -> Iterator[IMAPClient]:
        """A logged-in IMAP connection, logged out afterwards."""
        user = user or self.user
        imap = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        try:
            imap.login(user, self.users[user])
            yield imap
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def append(self, message: bytes, folder: str = "INBOX", flags: Sequence[bytes] = (),
               user: str | None = None) -> None:
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            imap.append(folder, message, flags=flags)

    def append_many(self, messages: Sequence[bytes], folder: str = "INBOX",
                    user: str | None = None) -> None:
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            for message in messages:
                imap.append(folder, message)

    def messages(self, folder: str = "INBOX", user: str | None = None) -> list[StoredMessage]:
        """The messages of a folder (empty when it does not exist), read without \\Seen."""
        with self.client(user) as imap:
            if not imap.folder_exists(folder):
                return []
            imap.select_folder(folder, readonly=True)
            uids = imap.search("ALL")
            if not uids:
                return []
            found = imap.fetch(uids, ["FLAGS", "BODY.PEEK[]"])
            return [StoredMessage(uid, tuple(found[uid][b"FLAGS"]), found[uid][b"BODY[]"])
                    for uid in sorted(found)]

    def create_mailboxes(self) -> None:
        """Create every user's Maildir up front, as on a server in service (not by whichever
        session of the test comes first)."""
        for user in self.users:
            with self.client(user) as imap:
                imap.select_folder("INBOX", readonly=True)

    def delete_folder(self, folder: str, user: str | None = None) -> None:
        with self.client(user) as imap:
            imap.delete_folder(folder)

    def kick(self, user: str | None = None) -> None:
        """Close every IMAP session of a user from the server side (``doveadm kick``)."""
        doveadm = shutil.which("doveadm") or str(Path(self.binary).with_name("doveadm"))
        subprocess.run([doveadm, "-c", str(self.config), "kick", user or self.user],
                       check=True, capture_output=True, timeout=30)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _make_certificate(root: Path) -> bool:
    """A self-signed certificate for 127.0.0.1 and localhost; False without ``openssl``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True, timeout=60)
    return True


@contextlib.contextmanager
def running_dovecot(*, capability: str | None = None, tls: bool = True) -> Iterator[DovecotServer]:
    """Start a Dovecot of its own, stop it and remove its directory afterwards.

    Its log is printed at the end: pytest shows it when the test failed.
    """
    binary = find_dovecot()
    # Not under pytest's tmp_path: that one is private to its owner (nobody could not reach
    # the login sockets when run as root), and unix socket paths must stay short.
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    try:
        imaps_port = free_port() if tls and _make_certificate(root) else None
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    server = DovecotServer(root, binary, free_port(), imaps_port, capability=capability)
    try:
        server.write_config()
        server.start()
        server.create_mailboxes()
        yield server
    finally:
        server.stop()
        print(f"--- dovecot log ({root}) ---\n{server.log()}")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A running Dovecot with the users of ``USERS``, stopped at teardown."""
    with running_dovecot() as server:
        yield server
