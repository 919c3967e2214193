#!/usr/bin/env python3
"""Signs one of your site's users in to image-chat (Secure SSO, FastComments-compatible).

Python 3, standard library only. Run it on your server, never in the browser: it needs the tenant's API secret.

    IMAGE_CHAT_API_SECRET=ics_... python3 examples/sso/sign.py '{"id": "42", "displayName": "Ann"}'
    python3 examples/sso/sign.py '{"id": "42", "displayName": "Ann"}' ics_...

prints the payload to give the widget's `sso` attribute or property (docs/sso.md). In a web app:

    from sign import sign_sso_user
    sso = sign_sso_user({"id": str(user.id), "displayName": user.name}, settings.IMAGE_CHAT_API_SECRET)
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time


def sign_sso_user(user, api_secret, now_ms=None):
    """The three fields the widget passes on in `hello`.

    `userDataJSONBase64` is standard base64 of the user's UTF-8 JSON, `timestamp` the time in milliseconds
    (the payload is valid for 2 days from then), and `verificationHash` the hex HMAC-SHA256 of
    `str(timestamp) + userDataJSONBase64` keyed with the API secret.
    """
    timestamp = int(time.time() * 1000) if now_ms is None else int(now_ms)
    user_json = json.dumps(user, ensure_ascii=False, separators=(",", ":"))
    user_data = base64.b64encode(user_json.encode("utf-8")).decode("ascii")
    message = (str(timestamp) + user_data).encode("utf-8")
    verification_hash = hmac.new(api_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return {"userDataJSONBase64": user_data, "verificationHash": verification_hash, "timestamp": timestamp}


def main(argv):
    # From the environment by default: other users of the machine can read a process's arguments.
    api_secret = argv[2] if len(argv) > 2 else os.environ.get("IMAGE_CHAT_API_SECRET")
    if len(argv) < 2 or not api_secret:
        sys.stderr.write("usage: IMAGE_CHAT_API_SECRET=ics_... python3 sign.py '{\"id\": \"42\", \"displayName\": \"Ann\"}' (or the secret as second argument)\n")
        return 2
    print(json.dumps(sign_sso_user(json.loads(argv[1]), api_secret)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
