"""The integration clients' fixtures, for FHIR as a client sees it (test_fhir_clients.py)."""

from tests.integrations.conftest import (  # noqa: F401  (fixtures re-used here)
    administrator,
    bearer,
    make_client,
)
