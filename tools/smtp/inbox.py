"""A test inbox: an aiosmtpd SMTP server on one local port that writes every message it accepts to a directory.

    python tools/smtp/inbox.py --listen 127.0.0.1:2525 --dir /tmp/inbox [--user U --password P] [--tls-cert C --tls-key K]

Each accepted message becomes <dir>/<n>.json (written to a temporary name, then renamed, so a reader never sees
half a file): {"mailFrom", "rcptTos", "login", "data"}. With --user/--password the server offers AUTH PLAIN and
LOGIN (without TLS: it only listens on a local port) and refuses mail from unauthenticated clients. Recipients
whose local part starts with "reject-" are refused with 550, "defer-" with 451, for tests of both kinds of
failure. With --tls-cert/--tls-key the server offers STARTTLS and requires it before MAIL. Prints "listening on HOST:PORT" once it accepts connections; stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Inbox:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("reject-"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("defer-"):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "login": login,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.directory, "%06d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return "250 2.0.0 accepted"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    handler = Inbox(args.dir)
    kwargs = {}
    if args.user is not None:
        kwargs = dict(authenticator=authenticator_for(args.user, args.password or ""), auth_required=True, auth_require_tls=False)
    if args.tls_cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs.update(tls_context=context, require_starttls=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="inbox.test", **kwargs), host=host, port=int(port))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("listening on %s:%s" % (host, port), flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
