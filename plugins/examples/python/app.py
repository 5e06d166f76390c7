"""Example connector in Python: the tiny CRM of plugins/example, built into the plugin.

componentize-py generates the `wit_world` package from the WIT world `connector`:
each exported interface is a class named after it (`Panels`, `Sync`, `Actions`)
whose methods are the interface's functions in snake_case. A returned value is the
`ok` case of a `result`; `raise Err(...)` is its `err` case.
"""

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.panels import Activity, ActivityKind, MatchKey, Note, Potential, Profile, Requester
from wit_world.exports.sync import ListView
from wit_world.imports import config, log
from wit_world.imports.types import (
    ConnectorError_NotFound,
    ConnectorError_Unsupported,
    CrmRecord,
    Field,
    FieldMeta,
    FieldType,
    Module,
    RecordRef,
    Value_Text,
)


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    email: str
    secondary_email: Optional[str]
    phone: str
    account: Tuple[str, str]  # id, name
    customer_type: str


CONTACTS = [
    Contact("c-1001", "Ada Lovelace", "ada@analytical.example", "ada.l@home.example",
            "+44 20 7946 0001", ("a-1", "Analytical Engines Ltd"), "Enterprise"),
    Contact("c-1002", "Grace Hopper", "grace@cobol.example", None,
            "+1 202 555 0102", ("a-2", "Compiler Works Inc"), "Partner"),
]

OWNER = "Example Owner"


def unsupported(what: str) -> Err:
    return Err(ConnectorError_Unsupported(what))


def link(module: str, record_id: str) -> str:
    base = config.get("crm-url")
    return f"{'https://crm.example' if base is None else base}/{module}/{record_id}"


def same_text(a: Optional[str], b: Optional[str]) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def digits(s: str) -> str:
    return re.sub(r"[^0-9]", "", s)


def text(name: str, value: str, label: Optional[str] = None) -> Field:
    return Field(name, label, Value_Text(value))


def contact_of(of: RecordRef) -> Contact:
    for c in CONTACTS:
        if c.id == of.id:
            return c
    raise Err(ConnectorError_NotFound(f"contact {of.id}"))


def find_requester(who: Requester) -> Tuple[Optional[Contact], Optional[MatchKey]]:
    """The contact and the requester key that found it: email, secondary email, phone."""
    for c in CONTACTS:
        if same_text(who.email, c.email):
            return c, MatchKey.EMAIL
        if same_text(who.secondary_email, c.secondary_email) or same_text(who.email, c.secondary_email):
            return c, MatchKey.SECONDARY_EMAIL
        if who.phone == c.phone:
            return c, MatchKey.PHONE
    return None, None


class Panels(exports.Panels):
    def lookup_requester(self, who: Requester) -> Optional[Profile]:
        c, key = find_requester(who)
        found = f"{c.id} by {key.name.lower().replace('_', '-')}" if c else "no match"
        log.log(log.Level.INFO, f"lookup-requester: {found}")
        if c is None:
            return None
        return Profile(
            record=RecordRef(Module.CONTACTS, c.id, c.name),
            match_key=key,
            display_name=c.name,
            email=c.email,
            secondary_email=c.secondary_email,
            phone=c.phone,
            account=RecordRef(Module.ACCOUNTS, *c.account),
            owner=OWNER,
            fields=[text("Customer_Type", c.customer_type, "Customer type")],
            link=link("contacts", c.id),
        )

    def potentials(self, of: RecordRef) -> List[Potential]:
        c = contact_of(of)
        record_id = f"p-{c.id}"
        return [Potential(
            record=RecordRef(Module.POTENTIALS, record_id, f"{c.account[1]} renewal"),
            stage="Negotiation/Review",
            amount=12500.0,
            currency="USD",
            closing_date="2026-12-31",
            owner=OWNER,
            link=link("potentials", record_id),
        )]

    def notes(self, of: RecordRef) -> List[Note]:
        c = contact_of(of)
        record_id = f"n-{c.id}"
        return [Note(
            record=RecordRef(Module.NOTES, record_id, None),
            title="Onboarding",
            content=f"{c.name} prefers email. <b>Not markup</b> & stays text.",
            author=OWNER,
            created_time="2026-10-01T09:00:00Z",
            link=link("notes", record_id),
        )]

    def activities(self, of: RecordRef, kinds: List[ActivityKind]) -> List[Activity]:
        c = contact_of(of)
        planned = [
            (ActivityKind.CALL, "Quarterly check-in call"),
            (ActivityKind.EVENT, "On-site workshop"),
            (ActivityKind.TASK, "Send renewal quote"),
        ]
        wanted = [(kind, subject) for kind, subject in planned if not kinds or kind in kinds]
        return [
            Activity(
                record=RecordRef(Module.TASKS, f"act-{c.id}-{i}", None),
                kind=kind,
                subject=subject,
                status="Open",
                start_time="2026-11-25T15:00:00Z",
                end_time=None,
                owner=OWNER,
                description=None,
                link=None,
            )
            for i, (kind, subject) in enumerate(wanted)
        ]

    def find(self, module: Module, match: List[Field], limit: int) -> List[CrmRecord]:
        """Contacts whose `Email`, `Phone` or `Name` equal the given values."""
        if module != Module.CONTACTS:
            raise unsupported("searching anything but contacts")

        def fits(c: Contact, f: Field) -> bool:
            if not isinstance(f.value, Value_Text):
                return False
            v = f.value.value
            if f.name == "Email":
                return same_text(c.email, v)
            if f.name == "Phone":
                return digits(c.phone) == digits(v)
            if f.name == "Name":
                return same_text(c.name, v)
            return False

        found = [c for c in CONTACTS if match and all(fits(c, f) for f in match)]
        return [
            CrmRecord(
                id=c.id,
                fields=[text("Name", c.name), text("Email", c.email), text("Phone", c.phone)],
                created_time=None,
                modified_time=None,
            )
            for c in found[:limit]
        ]


class Sync(exports.Sync):
    def describe_module(self, module: Module) -> List[FieldMeta]:
        if module != Module.CONTACTS:
            raise unsupported("only contacts are described by the example CRM")

        def meta(name: str, label: str, field_type: FieldType, mandatory: bool) -> FieldMeta:
            return FieldMeta(
                name=name,
                label=label,
                field_type=field_type,
                mandatory=mandatory,
                max_length=100,
                read_only=False,
                custom=False,
                picklist_values=[],
            )

        return [
            meta("Last_Name", "Last Name", FieldType.TEXT, True),
            meta("Email", "Email", FieldType.EMAIL, False),
            meta("Phone", "Phone", FieldType.PHONE, False),
        ]

    def list_views(self, module: Module) -> List[ListView]:
        return [ListView("all", "All records")]

    def changes(self, module, query, cursor):
        raise unsupported("the example CRM has no change feed")

    def upsert(self, module, records, duplicate_check_fields):
        raise unsupported("the example CRM is read-only")

    def delete(self, module, ids):
        raise unsupported("the example CRM is read-only")

    def watch(self, modules, url, token):
        raise unsupported("the example CRM sends no notifications")

    def parse_notification(self, notification):
        raise unsupported("the example CRM sends no notifications")


class Actions(exports.Actions):
    def perform(self, request):
        raise unsupported("record actions")

    def attach(self, to, file):
        raise unsupported("attachments")

    def download(self, id):
        raise unsupported("attachments")
