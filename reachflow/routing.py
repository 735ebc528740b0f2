"""Which service flow serves which REACH task, and how its flow run is named, tagged and keyed.

Pure: used by discovery, reconcile and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

from reachflow.enums import VendorServiceFeature, VendorServiceType

__all__ = [
    "AUDIO_DESCRIPTION",
    "CAPTIONS",
    "CHAPTERING",
    "DUBBING",
    "EXTENDED_AUDIO_DESCRIPTION",
    "LIVE_CAPTIONS",
    "LIVE_CAPTIONS_RUN",
    "SERVICE_ROUTES",
    "TRANSLATION",
    "ServiceRoute",
    "idempotency_key",
    "route_for",
    "run_name",
    "run_tags",
]

TAG_PREFIX_TASK = "reach-task:"


@dataclass(frozen=True)
class ServiceRoute:
    """A service flow's deployment and the short name used in run names and artifacts."""

    short_name: str  # e.g. "captions"
    flow_name: str  # the @flow name, e.g. "reach-captions"
    deployment_name: str  # e.g. "captions"

    @property
    def deployment(self) -> str:
        return f"{self.flow_name}/{self.deployment_name}"


CAPTIONS = ServiceRoute("captions", "reach-captions", "captions")
TRANSLATION = ServiceRoute("translation", "reach-translation", "translation")
CHAPTERING = ServiceRoute("chaptering", "reach-chaptering", "chaptering")
EXTENDED_AUDIO_DESCRIPTION = ServiceRoute(
    "extended_audio_description", "reach-extended-audio-description", "extended-audio-description"
)
DUBBING = ServiceRoute("dubbing", "reach-dubbing", "dubbing")
AUDIO_DESCRIPTION = ServiceRoute("audio_description", "reach-audio-description", "audio-description")
# Live captions: discovery starts the provisioning flow; it schedules one LIVE_CAPTIONS_RUN for the event.
LIVE_CAPTIONS = ServiceRoute("live_captions", "reach-live-provision", "live-provision")
LIVE_CAPTIONS_RUN = ServiceRoute("live_captions", "reach-live-captions", "live-captions")

# (serviceFeature, serviceType) -> the flow that serves it. A HUMAN job runs its service's flow too,
# which hands the machine draft to a person.
SERVICE_ROUTES: dict[tuple[int, int], ServiceRoute] = {
    (VendorServiceFeature.CAPTIONS, VendorServiceType.MACHINE): CAPTIONS,
    (VendorServiceFeature.CAPTIONS, VendorServiceType.HUMAN): CAPTIONS,
    (VendorServiceFeature.TRANSLATION, VendorServiceType.MACHINE): TRANSLATION,
    (VendorServiceFeature.TRANSLATION, VendorServiceType.HUMAN): TRANSLATION,
    (VendorServiceFeature.CHAPTERING, VendorServiceType.MACHINE): CHAPTERING,
    (VendorServiceFeature.CHAPTERING, VendorServiceType.HUMAN): CHAPTERING,
    (VendorServiceFeature.EXTENDED_AUDIO_DESCRIPTION, VendorServiceType.MACHINE): EXTENDED_AUDIO_DESCRIPTION,
    (VendorServiceFeature.EXTENDED_AUDIO_DESCRIPTION, VendorServiceType.HUMAN): EXTENDED_AUDIO_DESCRIPTION,
    (VendorServiceFeature.DUBBING, VendorServiceType.MACHINE): DUBBING,
    (VendorServiceFeature.DUBBING, VendorServiceType.HUMAN): DUBBING,
    (VendorServiceFeature.AUDIO_DESCRIPTION, VendorServiceType.MACHINE): AUDIO_DESCRIPTION,
    (VendorServiceFeature.AUDIO_DESCRIPTION, VendorServiceType.HUMAN): AUDIO_DESCRIPTION,
    (VendorServiceFeature.LIVE_CAPTION, VendorServiceType.MACHINE): LIVE_CAPTIONS,
}


def route_for(feature: int, service_type: int, served: set[tuple[int, int]]) -> ServiceRoute | None:
    """The route for a task when ReachFlow is configured to serve it, else None."""
    key = (int(feature), int(service_type))
    if key not in served:
        return None
    return SERVICE_ROUTES.get(key)


def run_name(route: ServiceRoute, partner_id: int, task_id: int) -> str:
    """``captions-<partnerId>-<taskId>``: what an operator searches for in the Prefect UI."""
    return f"{route.short_name}-{partner_id}-{task_id}"


def run_tags(partner_id: int, task_id: int, feature: int, service_type: int) -> list[str]:
    """Tags for filtering runs by partner, feature and service type (and the task itself)."""
    return [
        "reachflow",
        f"partner:{partner_id}",
        f"feature:{_enum_name(VendorServiceFeature, feature)}",
        f"service-type:{_enum_name(VendorServiceType, service_type)}",
        f"{TAG_PREFIX_TASK}{task_id}",
    ]


def idempotency_key(task_id: int, queue_time: int | None, attempt: int = 0) -> str:
    """One flow run per task per time it was queued (a task re-queued by Kaltura gets a new run).

    ``attempt`` > 0 is used by reconcile for a restart after a crashed run.
    """
    key = f"reach-task-{task_id}-q{queue_time or 0}"
    return key if attempt == 0 else f"{key}-restart-{attempt}"


def feature_label(feature: int) -> str:
    return _enum_name(VendorServiceFeature, feature)


def service_type_label(service_type: int) -> str:
    return _enum_name(VendorServiceType, service_type)


def _enum_name(enum: type, value: int) -> str:
    try:
        return str(enum(int(value)).name).lower().replace("_", "-")
    except ValueError:
        return str(value)
