//! Moving values between a contract version's generated types and the
//! host's own (`crate::contract`). Every version's module invokes
//! [`connector_conversions!`], so the mapping is written once; a version
//! whose types differ adds or overrides impls next to its bindings.

/// Converts a value into the corresponding type of another version of the
/// contract (generated <-> host-owned).
pub(crate) trait Lift<T> {
    fn lift(self) -> T;
}

macro_rules! identity {
    ($($t:ty),*) => { $(impl Lift<$t> for $t { fn lift(self) -> $t { self } })* };
}
identity!(String, bool, u8, u16, u32, u64, i64, f64, (), (String, String));

impl<T, U: Lift<T>> Lift<Option<T>> for Option<U> {
    fn lift(self) -> Option<T> {
        self.map(Lift::lift)
    }
}

impl<T, U: Lift<T>> Lift<Vec<T>> for Vec<U> {
    fn lift(self) -> Vec<T> {
        self.into_iter().map(Lift::lift).collect()
    }
}

impl<T, E, U: Lift<T>, F: Lift<E>> Lift<Result<T, E>> for Result<U, F> {
    fn lift(self) -> Result<T, E> {
        self.map(Lift::lift).map_err(Lift::lift)
    }
}

/// Records: `A, B { field, ... }` converts both ways field by field.
macro_rules! lift_record {
    ($a:path, $b:path { $($f:ident),* $(,)? }) => {
        impl $crate::runtime::bindings::convert::Lift<$b> for $a {
            fn lift(self) -> $b {
                type B = $b;
                B { $($f: $crate::runtime::bindings::convert::Lift::lift(self.$f)),* }
            }
        }
        impl $crate::runtime::bindings::convert::Lift<$a> for $b {
            fn lift(self) -> $a {
                type A = $a;
                A { $($f: $crate::runtime::bindings::convert::Lift::lift(self.$f)),* }
            }
        }
    };
}

/// Enums and variants: `A, B { Unit, WithPayload(x), ... }`.
macro_rules! lift_variant {
    ($a:path, $b:path { $($v:ident $(($x:ident))?),* $(,)? }) => {
        impl $crate::runtime::bindings::convert::Lift<$b> for $a {
            fn lift(self) -> $b {
                type A = $a;
                type B = $b;
                match self { $(A::$v $(($x))? => B::$v $(($crate::runtime::bindings::convert::Lift::lift($x)))?),* }
            }
        }
        impl $crate::runtime::bindings::convert::Lift<$a> for $b {
            fn lift(self) -> $a {
                type A = $a;
                type B = $b;
                match self { $(B::$v $(($x))? => A::$v $(($crate::runtime::bindings::convert::Lift::lift($x)))?),* }
            }
        }
    };
}

/// An enum of an older contract version that lacks cases the host's type
/// has: `A, B { Common, ... } newer { New, ... } because "..."`. Older
/// to host converts case by case; host to older must never meet a newer
/// case, which the runtime refuses (or never sends) before converting.
macro_rules! lift_variant_older {
    ($a:path, $b:path { $($v:ident),* $(,)? } newer { $($n:ident),* $(,)? } because $why:literal) => {
        impl $crate::runtime::bindings::convert::Lift<$b> for $a {
            fn lift(self) -> $b {
                type A = $a;
                type B = $b;
                match self { $(A::$v => B::$v),* }
            }
        }
        impl $crate::runtime::bindings::convert::Lift<$a> for $b {
            fn lift(self) -> $a {
                type A = $a;
                type B = $b;
                match self {
                    $(B::$v => A::$v,)*
                    $(B::$n)|* => unreachable!($why),
                }
            }
        }
    };
}

/// The enums that gained cases in 0.4.0, for the bindings of 0.1.0 to
/// 0.3.0: `match-key` (`linked`: the host never sends a profile to a
/// plugin) and `action-kind` (`create-note`, `log-call`: `perform`
/// answers `unsupported` for them before converting).
macro_rules! conversions_before_0_4 {
    () => {
        lift_variant_older!(panels::MatchKey, c::MatchKey { Email, SecondaryEmail, Phone, Name, AccountName } newer { Linked }
            because "the host never sends a profile to a plugin");
        lift_variant_older!(actions::ActionKind, c::ActionKind { CreateLead, CreateContact, CreateCase, CreateTask } newer { CreateNote, LogCall }
            because "perform refuses the action kinds of 0.4.0 for older plugins before converting");
    };
}

/// Every type of the contract, for a bindings module that has `types`,
/// `panels`, `sync`, `actions`, `http` and `log` in scope and `c` for
/// `crate::contract`. Identical across every version, but for the enums
/// that gained cases, which each version's module converts itself
/// ([`conversions_before_0_4!`] up to 0.3.0).
macro_rules! connector_conversions {
    () => {
        lift_variant!(types::Module, c::Module {
            Contacts, Accounts, Leads, Products, Potentials, Notes, Cases, Calls, Events, Tasks, Chats
        });
        lift_variant!(types::FieldType, c::FieldType {
            Text, Textarea, Email, Phone, Url, Integer, Decimal, Currency, Percent, Boolean, Date, Datetime, Picklist,
            MultiPicklist, Lookup, User, Other
        });
        lift_record!(types::RecordRef, c::RecordRef { module, id, name });
        lift_variant!(types::Value, c::Value {
            Null, Text(x), Integer(x), Decimal(x), Boolean(x), Date(x), Datetime(x), TextList(x), Reference(x)
        });
        lift_record!(types::Field, c::Field { name, label, value });
        lift_record!(types::FieldMeta, c::FieldMeta {
            name, label, field_type, mandatory, max_length, read_only, custom, picklist_values
        });
        lift_record!(types::CrmRecord, c::CrmRecord { id, fields, created_time, modified_time });
        lift_record!(types::DuplicateInfo, c::DuplicateInfo { field, existing_id });
        lift_record!(types::TypeMismatchInfo, c::TypeMismatchInfo { field, expected, message });
        lift_variant!(types::ConnectorError, c::ConnectorError {
            Duplicate(x), MandatoryMissing(x), TypeMismatch(x), AlreadyMapped(x), NotFound(x), RateLimited(x), AuthExpired,
            Transient(x), Permanent(x), Unsupported(x)
        });
        lift_record!(panels::Requester, c::Requester { email, secondary_email, phone, name, account_name });
        lift_record!(panels::Profile, c::Profile {
            record, match_key, display_name, email, secondary_email, phone, account, owner, fields, link
        });
        lift_record!(panels::Potential, c::Potential { record, stage, amount, currency, closing_date, owner, link });
        lift_record!(panels::Note, c::Note { record, title, content, author, created_time, link });
        lift_variant!(panels::ActivityKind, c::ActivityKind { Call, Event, Task, Chat });
        lift_record!(panels::Activity, c::Activity {
            record, kind, subject, status, start_time, end_time, owner, description, link
        });
        lift_record!(sync::ListView, c::ListView { id, name });
        lift_record!(sync::FeedQuery, c::FeedQuery { list_views, since, filters, page_size });
        lift_variant!(sync::ChangeKind, c::ChangeKind { Created, Updated, Deleted });
        lift_record!(sync::Change, c::Change { kind, id, record, changed_time });
        lift_record!(sync::ChangePage, c::ChangePage { changes, next_cursor, has_more });
        lift_variant!(sync::WriteAction, c::WriteAction { Created, Updated });
        lift_record!(sync::Written, c::Written { id, action, modified_time });
        lift_record!(sync::Notification, c::Notification { headers, body });
        lift_record!(sync::Notified, c::Notified { module, changes, token });
        lift_record!(actions::ActionRequest, c::ActionRequest { kind, fields, related_to, owner_email });
        lift_variant!(http::Method, c::HttpMethod { Get, Post, Put, Patch, Delete });
        lift_record!(http::Request, c::HttpRequest { method, url, headers, body, credential });
        lift_record!(http::Response, c::HttpResponse { status, headers, body });
        lift_variant!(http::HttpError, c::HttpError {
            Denied(x), CredentialUnavailable(x), Timeout, TooLarge(x), Connection(x), InvalidRequest(x)
        });
        lift_variant!(log::Level, c::LogLevel { Trace, Debug, Info, Warn, Error });
    };
}

/// The imports every contract version shares (`types`, `http`, `config`),
/// delegating to the host's own implementation in `runtime::host`. A
/// version adds what differs (0.2.0: `log.report-panic`) beside it.
macro_rules! host_imports {
    () => {
        impl types::Host for HostState {}

        impl http::Host for HostState {
            async fn send(&mut self, request: http::Request) -> wasmtime::Result<Result<http::Response, http::HttpError>> {
                Ok(self.http_send(request.lift()).await.lift())
            }

            async fn api_base(&mut self, credential: String) -> wasmtime::Result<Option<String>> {
                Ok(self.http_api_base(&credential))
            }
        }

        impl config::Host for HostState {
            async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
                Ok(self.config_get(&key))
            }
        }
    };
}

/// `log` from 0.2.0 on: `log` and `report-panic`.
macro_rules! log_with_report_panic {
    () => {
        impl log::Host for HostState {
            async fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
                self.log_line(level.lift(), message);
                Ok(())
            }

            async fn report_panic(&mut self, message: String) -> wasmtime::Result<()> {
                self.report_panic(message);
                Ok(())
            }
        }
    };
}

pub(crate) use {
    connector_conversions, conversions_before_0_4, host_imports, lift_record, lift_variant, lift_variant_older, log_with_report_panic,
};
