"""A connector for the Sample CRM (API: crates/conformance/README.md), in Python.

Finds the ticket's requester, then shows their deals, notes and activities.
componentize-py generates the `wit_world` package from the WIT world `connector`:
each exported interface is a class named after it (`Panels`, `Sync`, `Actions`)
whose methods are the interface's functions in snake_case. A returned value is the
`ok` case of a `result`; `raise Err(...)` is its `err` case.
"""

import json
import re
from typing import Any, List, Optional
from urllib.parse import quote

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.panels import Activity, ActivityKind, MatchKey, Note, Potential, Profile, Requester
from wit_world.imports import config, http
from wit_world.imports.types import (
    ConnectorError_AuthExpired,
    ConnectorError_NotFound,
    ConnectorError_Permanent,
    ConnectorError_RateLimited,
    ConnectorError_Transient,
    ConnectorError_Unsupported,
    Field,
    Module,
    RecordRef,
    Value_Text,
)

CREDENTIAL = "sample-crm"
MAX_PAGES = 1000
KINDS = {
    "call": (ActivityKind.CALL, Module.CALLS),
    "event": (ActivityKind.EVENT, Module.EVENTS),
    "task": (ActivityKind.TASK, Module.TASKS),
    "chat": (ActivityKind.CHAT, Module.CHATS),
}


def unsupported(what: str) -> Err:
    return Err(ConnectorError_Unsupported(what))


def base() -> str:
    url = config.get("api-url")
    if not url:
        raise Err(ConnectorError_Permanent("the plugin's `api-url` setting is empty"))
    return url.rstrip("/")


def url(segments: List[str], query: Optional[List[tuple]] = None) -> str:
    """`base/seg/ments?k=v`, every segment and value percent-encoded."""
    path = "/".join(quote(s, safe="") for s in segments)
    q = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (query or []))
    return f"{base()}/{path}" + (f"?{q}" if q else "")


def status_error(response: http.Response) -> Err:
    """The contract's error for a failed answer (see the SDK's `status_error`)."""
    status = response.status
    headers = {k.lower(): v for k, v in response.headers}
    if status == 401:
        return Err(ConnectorError_AuthExpired())
    if status == 404:
        return Err(ConnectorError_NotFound("the CRM answered HTTP 404"))
    if status == 429:
        retry = headers.get("retry-after", "")
        return Err(ConnectorError_RateLimited(int(retry) if retry.strip().isdigit() else 30))
    if status == 408 or status >= 500:
        return Err(ConnectorError_Transient(f"the CRM answered HTTP {status}"))
    return Err(ConnectorError_Permanent(f"the CRM refused the request with HTTP {status}"))


def get_json(target: str) -> Any:
    try:
        response = http.send(http.Request(http.Method.GET, target, [], None, CREDENTIAL))
    except Err as e:
        failure = e.value
        temporary = isinstance(failure, (http.HttpError_Timeout, http.HttpError_Connection))
        kind = ConnectorError_Transient if temporary else ConnectorError_Permanent
        raise Err(kind(f"request failed: {type(failure).__name__} {getattr(failure, 'value', '')}"))
    if response.status >= 400:
        raise status_error(response)
    try:
        return json.loads(response.body) if response.body else None
    except ValueError:
        raise Err(ConnectorError_Permanent(f"the CRM answered HTTP {response.status} with a body that is not JSON"))


def all_items(segments: List[str]) -> List[dict]:
    """Every item of a paged list, pages followed to the end."""
    items: List[dict] = []
    page = None
    for _ in range(MAX_PAGES):
        body = get_json(url(["api"] + segments, [("page", page)] if page else []))
        data = body.get("data") if isinstance(body, dict) else None
        items.extend(d for d in (data if isinstance(data, list) else []) if isinstance(d, dict))
        page = body.get("next_page") if isinstance(body, dict) else None
        if page is None:
            return items
        page = str(page)
    raise Err(ConnectorError_Permanent(f"the CRM had more than {MAX_PAGES} pages"))


def text(item: Any, key: str) -> Optional[str]:
    """`item[key]` as text: non-empty strings and numbers; otherwise None."""
    v = item.get(key) if isinstance(item, dict) else None
    if isinstance(v, str) and v:
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return None


def number(item: dict, key: str) -> Optional[float]:
    v = item.get(key)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    try:
        return float(v) if isinstance(v, str) else None
    except ValueError:
        return None


def link(kind: str, record_id: Optional[str]) -> str:
    return url(["app", kind, record_id or ""])


def ref(module: Module, item: dict, name: Optional[str]) -> RecordRef:
    return RecordRef(module, text(item, "id") or "", name)


def profile(c: dict, match_key: MatchKey) -> Profile:
    name = " ".join(p for p in (text(c, "first_name"), text(c, "last_name")) if p) or None
    account = c.get("account")
    fields = [
        Field(key, label, Value_Text(text(c, key)))
        for key, label in (("title", "Title"), ("customer_type", "Customer type"))
        if text(c, key)
    ]
    return Profile(
        record=ref(Module.CONTACTS, c, name),
        match_key=match_key,
        display_name=name or text(c, "id") or "",
        email=text(c, "email"),
        secondary_email=text(c, "secondary_email"),
        phone=text(c, "phone"),
        account=ref(Module.ACCOUNTS, account, text(account, "name")) if isinstance(account, dict) else None,
        owner=text(c, "owner"),
        fields=fields,
        link=link("contacts", text(c, "id")),
    )


class Panels(exports.Panels):
    def lookup_requester(self, who: Requester) -> Optional[Profile]:
        """Tries the requester's keys in the contract's order; the first hit wins."""
        keys = [
            ("email", who.email, MatchKey.EMAIL),
            ("secondary_email", who.email, MatchKey.SECONDARY_EMAIL),
            ("secondary_email", who.secondary_email, MatchKey.SECONDARY_EMAIL),
            ("email", who.secondary_email, MatchKey.SECONDARY_EMAIL),
            ("phone", re.sub(r"[^0-9]", "", who.phone) if who.phone else None, MatchKey.PHONE),
            ("name", who.name, MatchKey.NAME),
            ("account", who.account_name, MatchKey.ACCOUNT_NAME),
        ]
        for key, value, match_key in keys:
            if not value or not value.strip():
                continue
            found = get_json(url(["api", "contacts"], [(key, value)]))
            data = found.get("data") if isinstance(found, dict) else None
            if isinstance(data, list) and data and isinstance(data[0], dict):
                return profile(data[0], match_key)
        return None

    def potentials(self, of: RecordRef) -> List[Potential]:
        return [
            Potential(
                record=ref(Module.POTENTIALS, d, text(d, "name")),
                stage=text(d, "stage"),
                amount=number(d, "amount"),
                currency=text(d, "currency"),
                closing_date=text(d, "close_date"),
                owner=text(d, "owner"),
                link=link("deals", text(d, "id")),
            )
            for d in all_items(["contacts", of.id, "deals"])
        ]

    def notes(self, of: RecordRef) -> List[Note]:
        return [
            Note(
                record=ref(Module.NOTES, n, text(n, "title")),
                title=text(n, "title"),
                content=text(n, "body") or "",
                author=text(n, "author"),
                created_time=text(n, "created_at"),
                link=link("notes", text(n, "id")),
            )
            for n in all_items(["contacts", of.id, "notes"])
        ]

    def activities(self, of: RecordRef, kinds: List[ActivityKind]) -> List[Activity]:
        found = []
        for a in all_items(["contacts", of.id, "activities"]):
            kind, module = KINDS.get(text(a, "kind") or "", (None, None))
            if kind is None or kind not in kinds:
                continue
            found.append(Activity(
                record=ref(module, a, text(a, "subject")),
                kind=kind,
                subject=text(a, "subject") or "",
                status=text(a, "status"),
                start_time=text(a, "starts_at"),
                end_time=text(a, "ends_at"),
                owner=text(a, "owner"),
                description=text(a, "description"),
                link=link("activities", text(a, "id")),
            ))
        return found

    def find(self, module, match, limit):
        raise unsupported("search")

    def profile_of(self, of):
        raise unsupported("profiles of linked records")


class Sync(exports.Sync):
    def describe_module(self, module):
        raise unsupported("sync")

    def list_views(self, module):
        raise unsupported("sync")

    def changes(self, module, query, cursor):
        raise unsupported("sync")

    def upsert(self, module, records, duplicate_check_fields):
        raise unsupported("sync")

    def delete(self, module, ids):
        raise unsupported("sync")

    def watch(self, modules, url, token):
        raise unsupported("notifications")

    def parse_notification(self, notification):
        raise unsupported("notifications")


class Actions(exports.Actions):
    def perform(self, request):
        raise unsupported("record actions")

    def attach(self, to, file):
        raise unsupported("attachments")

    def download(self, id):
        raise unsupported("attachments")
