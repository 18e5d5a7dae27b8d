"""The API against its own OpenAPI document (schemathesis): every operation, with generated valid
and invalid input, as an owner with an API token. No answer may be a server error, and every
answer must match the document (status code, content type, body schema).

Bounded and deterministic: a fixed number of examples per operation, derandomized, so CI runs
the same cases each time in well under three minutes. Operations that start background work
or send mail are exercised too; nothing leaves the process (mail and texts are in memory)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from rounds.accounts.actions import do_create_api_token
from rounds.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

# Bounded so the suite stays quick on a shared machine; raise it for a deeper run.
MAX_EXAMPLES = int(os.environ.get("ROUNDS_API_EXAMPLES") or 5)
# No server error, and every answer as documented: its status code, content type, headers and
# body. (Schemathesis can also flag input the document allows that a rule of Rounds refuses,
# e.g. an empty email: those are business rules, answered 400/422 with the field named.)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance]


@pytest.fixture
def api_headers(owner, candidate, job, application, other_org):
    """An owner's API token, in an organization with a candidate, a job and an application (and
    another organization, whose objects must stay 404)."""
    _token, key = do_create_api_token(owner, "schemathesis")
    # The WSGI app runs in the test's transaction: don't let the end of a request close it.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {key}"}
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_the_api_matches_its_document_and_never_fails(case, api_headers):
    case.call_and_validate(headers=api_headers, checks=CHECKS)
