"""The independent side of the HPKE interop test: pyhpke (PyPI) seals and opens waxseal releases.

Reads one JSON request on stdin, writes one JSON answer on stdout. Hex everywhere.
  {"op": "derive", "ikm": ...}                          -> {"pk": ...}
  {"op": "open", "ikm": ..., "release": ..., "info": ..., "aad": ...}  -> {"pt": ...} or {"error": ...}
  {"op": "seal", "pk": ..., "pt": ..., "info": ..., "aad": ...}        -> {"release": ...}
"""
import json
import sys

from pyhpke import AEADId, CipherSuite, KDFId, KEMId

SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)


def main() -> None:
    req = json.load(sys.stdin)
    b = bytes.fromhex
    if req["op"] == "derive":
        pair = SUITE.kem.derive_key_pair(b(req["ikm"]))
        out = {"pk": pair.public_key.to_public_bytes().hex()}
    elif req["op"] == "open":
        pair = SUITE.kem.derive_key_pair(b(req["ikm"]))
        release = b(req["release"])
        enc, ct = release[:32], release[32:]
        try:
            ctx = SUITE.create_recipient_context(enc, pair.private_key, info=b(req["info"]))
            out = {"pt": ctx.open(ct, aad=b(req["aad"])).hex()}
        except Exception as e:  # the Rust side asserts on the outcome
            out = {"error": type(e).__name__}
    elif req["op"] == "seal":
        pk = SUITE.kem.deserialize_public_key(b(req["pk"]))
        enc, ctx = SUITE.create_sender_context(pk, info=b(req["info"]))
        out = {"release": (enc + ctx.seal(b(req["pt"]), aad=b(req["aad"]))).hex()}
    else:
        raise SystemExit(f"unknown op {req['op']}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
