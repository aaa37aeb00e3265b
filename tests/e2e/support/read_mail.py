"""Prints a MIME message (a file) as JSON, read with Python's own e-mail parser: the headers the
end-to-end tests check, the plain-text body and each attachment (name, type, bytes in base64).
An independent reader of what the viewer writes."""

import base64
import json
import sys
from email import policy
from email.parser import BytesParser

with open(sys.argv[1], "rb") as f:
    message = BytesParser(policy=policy.default).parse(f)

body = message.get_body(preferencelist=("plain",))
print(json.dumps({
    "from": str(message["From"]),
    "to": str(message["To"]),
    "subject": str(message["Subject"]),
    "message_id": str(message["Message-ID"]),
    "in_reply_to": str(message["In-Reply-To"]),
    "references": str(message["References"]),
    "date": str(message["Date"]),
    "text": body.get_content() if body is not None else None,
    "attachments": [
        {
            "name": part.get_filename(),
            "type": part.get_content_type(),
            "base64": base64.b64encode(part.get_payload(decode=True)).decode(),
        }
        for part in message.iter_attachments()
    ],
}))
