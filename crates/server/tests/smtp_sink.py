"""A real SMTP server for the tests (aiosmtpd), on 127.0.0.1 and a free port.

With `--starttls` it requires STARTTLS, with a fresh private CA and a "localhost" certificate it
signed; it prints the CA's PEM path as `CERT <path>` before `LISTENING`.

Prints `LISTENING <port>` once it accepts connections, then `DELIVERED <path>` after each message
is written to the given directory (and its envelope, sender and recipients a line each, to
`<n>.envelope` beside it) (before the SMTP transaction is acknowledged), so the tests
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
        # The envelope: the sender on the first line, then one recipient per line.
        with open(path[: -len(".eml")] + ".envelope", "w") as f:
            f.write("\n".join([envelope.mail_from or ""] + list(envelope.rcpt_tos)) + "\n")
        print(f"DELIVERED {path}", flush=True)
        return "250 Message accepted for delivery"


def self_signed(folder):
    """A private CA and a "localhost" certificate it signs; returns the CA's PEM path and the
    server's TLS context."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, public_key, signing_key, ca):
        b = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return b.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("waxseal test CA", "waxseal test CA", ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = build("localhost", "waxseal test CA", key.public_key(), ca_key, False)
    ca_path = os.path.join(folder, "ca.pem")
    cert_path = os.path.join(folder, "cert.pem")
    key_path = os.path.join(folder, "key.pem")
    with open(ca_path, "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(cert_path, "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return ca_path, context


def main():
    folder = sys.argv[1]
    starttls = "--starttls" in sys.argv[2:]
    os.makedirs(folder, exist_ok=True)
    # Find a free port; aiosmtpd needs a concrete one.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = {}
    # --max-bytes=N: the largest message accepted (SIZE), aiosmtpd's 32 MiB by default.
    for arg in sys.argv[2:]:
        if arg.startswith("--max-bytes="):
            options["data_size_limit"] = int(arg.split("=", 1)[1])
    if starttls:
        cert_path, context = self_signed(folder)
        options.update({"tls_context": context, "require_starttls": True})
        print(f"CERT {cert_path}", flush=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port, server_hostname="localhost", **options)
    controller.start()  # returns once the server answers
    print(f"LISTENING {port}", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
