"""A real SMTP server for the tests (aiosmtpd), on 127.0.0.1 and a free port.

Prints `LISTENING <port>` once it accepts connections, then `DELIVERED <path>` after each message
is written to the given directory (before the SMTP transaction is acknowledged), so the tests
wait on events instead of sleeping. Runs until stdin closes.
"""
import os
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:04d}.eml")
        with open(path, "wb") as f:
            f.write(envelope.original_content)
        print(f"DELIVERED {path}", flush=True)
        return "250 Message accepted for delivery"


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    # Find a free port; aiosmtpd needs a concrete one.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server answers
    print(f"LISTENING {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
