"""services/reach.py: entryVendorTask, vendorCatalogItem and reachProfile with the server's rules."""

from __future__ import annotations

import pytest
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Reach import KalturaEntryVendorTaskFilter

from tests.sandbox.conftest import VENDOR, Kit


def _error(call) -> KalturaException:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaException) as caught:
        call()
    return caught.value


def test_a_widget_session_cannot_get_jobs(kit: Kit) -> None:
    """The vendor's widget KS has WIDGET_SESSION_PERMISSION only: the REACH vendor actions are
    SERVICE_FORBIDDEN to it, even though its partner is the vendor."""
    widget = kit.client(kit.client().session.startWidgetSession(f"_{VENDOR}").ks)
    error = _error(lambda: widget.reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter()))
    assert (error.code, error.message) == ("SERVICE_FORBIDDEN",
                                           "The access to service [reach_entryvendortask->getJobs] is forbidden")
    assert _error(lambda: widget.reach.entryVendorTask.extendAccessKey(8003)).code == "SERVICE_FORBIDDEN"
    assert kit.vendor().reach.entryVendorTask.getJobs(KalturaEntryVendorTaskFilter()).totalCount >= 1
