"""Response profiles: the ``responseProfile`` request parameter of any action.

Kaltura (``KalturaRequestDeserializer::getResponseProfile``, ``KalturaObject::shouldGet`` /
``loadRelatedObjects``, ``KalturaResponseProfileMapping::apply``):

* The parameter is a ``KalturaResponseProfileHolder`` (a stored profile by ``id`` or ``systemName``,
  looked up among the caller's partner's profiles and partner 0's, e.g. ``reach_vendor``;
  ``RESPONSE_PROFILE_ID_NOT_FOUND`` / ``RESPONSE_PROFILE_NAME_NOT_FOUND`` otherwise) or a
  ``KalturaDetachedResponseProfile`` given inline.
* ``type`` 1 (INCLUDE_FIELDS) keeps only the ``fields`` listed, 2 (EXCLUDE_FIELDS) drops them;
  no ``fields`` keeps everything. A dropped property is null (an empty element in XML, absent in
  JSON). The list filters nested objects' properties too (``taskJobData``); ``objectType`` and
  ``relatedObjects`` always stay. A list answer applies the profile to each of its ``objects``.
* Each related profile (``relatedProfiles``) runs its ``filter`` with its ``mappings`` applied
  (``filter[filterProperty] = object[parentProperty]``; a null value skips the related profile
  unless ``allowNull``) and its ``pager``, applies itself (fields and its own related profiles) to
  what it finds, and stores the list response in ``relatedObjects[<name>]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kaltura_sandbox.framework import Session, Store, as_int, raise_error
from kaltura_sandbox.serialize import KMap

__all__ = ["REACH_VENDOR", "apply_response_profile", "register_lister", "resolve_response_profile"]

INCLUDE_FIELDS, EXCLUDE_FIELDS = 1, 2

# deployment/updates/scripts/xml/responseProfiles/reach_vendor_response_profiles.template.xml and
# its 2021_01_03 update (which changes the task's fields only)
REACH_VENDOR: dict[str, Any] = {
    "objectType": "KalturaResponseProfile",
    "id": 1,
    "partnerId": 0,
    "name": "reach_vendor",
    "systemName": "reach_vendor",
    "type": INCLUDE_FIELDS,
    "fields": "id,partnerId,vendorPartnerId,createdAt,entryId,status,version,reachProfileId,catalogItemId,accessKey,"
    "notes,dictionary,taskJobData,captionAssetId,jsonTranscriptAssetId,textTranscriptAssetId",
    "relatedProfiles": [
        {
            "objectType": "KalturaDetachedResponseProfile",
            "name": "reach_vendor_catalog_item",
            "type": EXCLUDE_FIELDS,
            "fields": "id,vendorPartnerId,name,systemName,createdAt,updatedAt,status,pricing,fixedPriceAddons",
            "filter": {"objectType": "KalturaVendorCatalogItemFilter"},
            "mappings": [
                {
                    "objectType": "KalturaResponseProfileMapping",
                    "parentProperty": "catalogItemId",
                    "filterProperty": "idEqual",
                }
            ],
        },
        {
            "objectType": "KalturaDetachedResponseProfile",
            "name": "reach_vendor_profile",
            "type": EXCLUDE_FIELDS,
            "fields": "id,partnerId,createdAt,updatedAt,status,profileType,rules,credit,usedCredit,dictionaries,"
            "autoDisplayMachineCaptionsOnPlayer,autoDisplayHumanCaptionsOnPlayer,enableMachineModeration,"
            "enableHumanModeration",
            "filter": {"objectType": "KalturaReachProfileFilter"},
            "mappings": [
                {
                    "objectType": "KalturaResponseProfileMapping",
                    "parentProperty": "reachProfileId",
                    "filterProperty": "idEqual",
                }
            ],
        },
    ],
}

# A lister answers a related profile's filter: (store, filter, pager, parent object) -> list response.
Lister = Callable[[Store, dict[str, Any], dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
_LISTERS: dict[str, Lister] = {}


def register_lister(filter_class: str, lister: Lister) -> None:
    """Let related profiles use ``filter_class`` (e.g. ``KalturaVendorCatalogItemFilter``).

    Service modules register the filters of their list actions; a filter subclass
    (``KalturaMediaEntryFilter``) is matched by its name, an unknown one answers an empty list.
    """
    _LISTERS[filter_class] = lister


def stored_profiles(store: Store) -> list[dict[str, Any]]:
    """partner 0's ``reach_vendor`` plus the scenario's stored profiles."""
    return [REACH_VENDOR, *store.rows("response_profiles")]


def resolve_response_profile(store: Store, param: Any, session: Session | None) -> dict[str, Any] | None:
    """The detached profile a ``responseProfile`` parameter stands for (None: no profile)."""
    if not isinstance(param, dict) or not param:
        return None
    object_type = str(param.get("objectType") or "")
    is_holder = object_type == "KalturaResponseProfileHolder" or (
        not object_type and not {"type", "fields", "relatedProfiles"} & set(param)
    )
    if not is_holder:
        return param
    partners = {0, session.partner_id if session else 0}
    candidates = [p for p in stored_profiles(store) if int(p.get("partnerId") or 0) in partners]
    if param.get("id") not in (None, ""):
        found = next((p for p in candidates if str(p.get("id")) == str(param["id"])), None)
        if found is None:
            raise_error("RESPONSE_PROFILE_ID_NOT_FOUND", ID=param["id"])
        return found
    if param.get("systemName") not in (None, ""):
        found = next((p for p in candidates if p.get("systemName") == param["systemName"]), None)
        if found is None:
            raise_error("RESPONSE_PROFILE_NAME_NOT_FOUND", SYSTEM_NAME=param["systemName"])
        return found
    return None


def _fields(profile: dict[str, Any]) -> tuple[int, set[str]]:
    names = {f.strip() for f in str(profile.get("fields") or "").split(",") if f.strip()}
    return as_int(profile.get("type"), INCLUDE_FIELDS) or INCLUDE_FIELDS, names


def _filtered(value: Any, kind: int, names: set[str]) -> Any:
    if isinstance(value, KMap):
        return value
    if isinstance(value, dict) and value.get("objectType"):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in ("objectType", "relatedObjects") or key.startswith("_"):
                out[key] = item
            elif (key in names) == (kind == INCLUDE_FIELDS):
                out[key] = _filtered(item, kind, names)
            else:
                out[key] = None
        return out
    if isinstance(value, list):
        return [_filtered(item, kind, names) for item in value]
    return value


def _related(store: Store, related: dict[str, Any], parent: dict[str, Any], depth: int) -> dict[str, Any] | None:
    filter_spec = related.get("filter")
    if not isinstance(filter_spec, dict):
        return None  # Kaltura logs "has no filter" and skips it
    f = dict(filter_spec)
    for mapping in related.get("mappings") or []:
        value = parent.get(str(mapping.get("parentProperty")))
        if value is None and not mapping.get("allowNull"):
            return None
        f[str(mapping.get("filterProperty"))] = value
    lister = _LISTERS.get(str(f.get("objectType") or ""))
    if lister is None:
        answer: dict[str, Any] = {"objectType": "KalturaListResponse", "objects": [], "totalCount": 0}
    else:
        answer = lister(store, f, related.get("pager"), parent)
    answer = dict(answer)
    answer["objects"] = [_apply_object(store, related, item, depth + 1) for item in answer.get("objects") or []]
    return answer


def _apply_object(store: Store, profile: dict[str, Any], obj: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    kind, names = _fields(profile)
    view = _filtered(obj, kind, names) if names else dict(obj)
    related_profiles = [r for r in profile.get("relatedProfiles") or [] if isinstance(r, dict)]
    if related_profiles and depth < 5:  # RESPONSE_PROFILE_MAX_NESTING_LEVEL guards deeper trees
        related = KMap()
        for spec in related_profiles:
            answer = _related(store, spec, obj, depth)
            if answer is not None:
                related[str(spec.get("name") or "")] = answer
        view["relatedObjects"] = related
    return view


def apply_response_profile(store: Store, profile: dict[str, Any], result: Any) -> Any:
    """``result`` as seen through ``profile``: a list answer's objects, or the object itself."""
    if not isinstance(result, dict) or not result.get("objectType"):
        return result
    if str(result["objectType"]).endswith("ListResponse") and isinstance(result.get("objects"), list):
        answer = dict(result)
        answer["objects"] = [_apply_object(store, profile, o) if isinstance(o, dict) else o for o in result["objects"]]
        return answer
    return _apply_object(store, profile, result)
