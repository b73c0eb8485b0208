"""A program written against a client that openapi-python-client generated from skolebro's
OpenAPI document, as a school's own tool would be: it signs in, lists the inbox and reports a
child's absence. Run by tests/schemathesis.rs; prints what it did as JSON.

Usage: generated_client.py GENERATED_DIR BASE_URL USERNAME PASSWORD DAY
"""

import datetime
import json
import sys

sys.path.insert(0, sys.argv[1])

from skolebro_client import AuthenticatedClient, Client  # noqa: E402
from skolebro_client.api.absence import api_report  # noqa: E402
from skolebro_client.api.auth import api_create_session  # noqa: E402
from skolebro_client.api.messages import api_inbox  # noqa: E402
from skolebro_client.api.people import api_me  # noqa: E402
from skolebro_client.models import ReportRequest, SessionRequest  # noqa: E402

base, username, password, day = sys.argv[2:6]

anonymous = Client(base_url=base, raise_on_unexpected_status=True)
session = api_create_session.sync(
    client=anonymous, body=SessionRequest(username=username, password=password)
)
if session is None or not session.token:
    sys.exit("sign-in gave no token")
client = AuthenticatedClient(base_url=base, token=session.token, raise_on_unexpected_status=True)

me = api_me.sync(client=client)
if me is None or not me.children:
    sys.exit(f"no children for {username}: {me}")
child = me.children[0].id

inbox = api_inbox.sync(client=client)
if inbox is None:
    sys.exit("no inbox")

report = api_report.sync(
    id=child,
    client=client,
    body=ReportRequest(from_=datetime.date.fromisoformat(day), reason="illness"),
)
if report is None:
    sys.exit("the report was not accepted")

print(json.dumps({"child": child, "inbox": len(inbox.items), "report": report.id}))
