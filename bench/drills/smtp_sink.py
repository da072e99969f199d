#!/usr/bin/python3
"""A tiny SMTP server for the drills: accepts every message and appends one JSON line per message
(time, envelope recipients, subject, the invite/reset links in its text) to a file.

usage: smtp_sink.py PORT OUTFILE [DELAY_MS]
DELAY_MS makes each message take that long, to let an outbox build a backlog.
Needs Debian's python3-aiosmtpd (run with /usr/bin/python3).
"""

import asyncio
import json
import os
import signal
import sys
import time

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drill import parse_message  # noqa: E402

port, out_path = int(sys.argv[1]), sys.argv[2]
delay = (int(sys.argv[3]) if len(sys.argv) > 3 else 0) / 1000.0
out = open(out_path, "a", buffering=1)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        if delay:
            await asyncio.sleep(delay)
        facts = parse_message(envelope.original_content or envelope.content)
        out.write(json.dumps({"at": time.time(), "to": envelope.rcpt_tos, **facts}) + "\n")
        out.flush()
        return "250 OK"


# Block the stop signals before the server thread starts, so sigwait below receives them.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
