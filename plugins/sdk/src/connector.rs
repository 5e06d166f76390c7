//! One trait for a whole connector, with a default for every function but
//! the lookup: a plugin writes only what its CRM offers. The defaults answer
//! `unsupported`, which the host shows as "not offered" (a panel section
//! left out, a sync module not offered) rather than as a failure.

use crate::prelude::*;

/// A connector. Implement `lookup_requester` and what else the CRM offers;
/// hand the type to [`export_connector!`](crate::export_connector).
pub trait Connector {
    // Panels.
    fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError>;
    fn potentials(_of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
        Err(unsupported("potentials"))
    }
    fn notes(_of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
        Err(unsupported("notes"))
    }
    fn activities(_of: RecordRef, _kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
        Err(unsupported("activities"))
    }
    fn find(_module: Module, _matching: Vec<Field>, _limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
        Err(unsupported("search"))
    }
    /// The profile of a known record (a requester an agent linked to it),
    /// with `MatchKey::Linked`. Contract 0.4.0.
    fn profile_of(_of: RecordRef) -> Result<Option<Profile>, ConnectorError> {
        Err(unsupported("profiles of linked records"))
    }

    // Sync.
    fn describe_module(_module: Module) -> Result<Vec<FieldMeta>, ConnectorError> {
        Err(unsupported("sync"))
    }
    fn list_views(_module: Module) -> Result<Vec<ListView>, ConnectorError> {
        Err(unsupported("list views"))
    }
    fn changes(_module: Module, _query: FeedQuery, _cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
        Err(unsupported("sync"))
    }
    fn upsert(_module: Module, _records: Vec<CrmRecord>, _duplicate_check: Vec<String>) -> WriteResults<Written> {
        Err(unsupported("sync"))
    }
    fn delete(_module: Module, _ids: Vec<String>) -> WriteResults<()> {
        Err(unsupported("sync"))
    }
    fn watch(_modules: Vec<Module>, _url: String, _token: String) -> Result<(), ConnectorError> {
        Err(unsupported("notifications"))
    }
    fn parse_notification(_notification: Notification) -> Result<Notified, ConnectorError> {
        Err(unsupported("notifications"))
    }

    // Actions.
    fn perform(_request: ActionRequest) -> Result<RecordRef, ConnectorError> {
        Err(unsupported("record actions"))
    }
    fn attach(_to: RecordRef, _file: File) -> Result<String, ConnectorError> {
        Err(unsupported("attachments"))
    }
    fn download(_id: String) -> Result<File, ConnectorError> {
        Err(unsupported("attachments"))
    }
}

/// A batch write's answer: one result per record, or one error for all.
pub type WriteResults<T> = Result<Vec<Result<T, ConnectorError>>, ConnectorError>;

/// Exports a [`Connector`] as the contract's three interfaces.
#[macro_export]
macro_rules! export_connector {
    ($t:ident) => {
        const _: () = {
            use $crate::prelude::*;
            use $crate::Connector as C;
            impl Panels for $t {
                fn lookup_requester(who: Requester) -> Result<Option<Profile>, ConnectorError> {
                    <$t as C>::lookup_requester(who)
                }
                fn potentials(of: RecordRef) -> Result<Vec<Potential>, ConnectorError> {
                    <$t as C>::potentials(of)
                }
                fn notes(of: RecordRef) -> Result<Vec<Note>, ConnectorError> {
                    <$t as C>::notes(of)
                }
                fn activities(of: RecordRef, kinds: Vec<ActivityKind>) -> Result<Vec<Activity>, ConnectorError> {
                    <$t as C>::activities(of, kinds)
                }
                fn find(module: Module, matching: Vec<Field>, limit: u32) -> Result<Vec<CrmRecord>, ConnectorError> {
                    <$t as C>::find(module, matching, limit)
                }
                fn profile_of(of: RecordRef) -> Result<Option<Profile>, ConnectorError> {
                    <$t as C>::profile_of(of)
                }
            }
            impl Sync for $t {
                fn describe_module(module: Module) -> Result<Vec<FieldMeta>, ConnectorError> {
                    <$t as C>::describe_module(module)
                }
                fn list_views(module: Module) -> Result<Vec<ListView>, ConnectorError> {
                    <$t as C>::list_views(module)
                }
                fn changes(module: Module, query: FeedQuery, cursor: Option<String>) -> Result<ChangePage, ConnectorError> {
                    <$t as C>::changes(module, query, cursor)
                }
                fn upsert(module: Module, records: Vec<CrmRecord>, duplicate_check: Vec<String>) -> $crate::WriteResults<Written> {
                    <$t as C>::upsert(module, records, duplicate_check)
                }
                fn delete(module: Module, ids: Vec<String>) -> $crate::WriteResults<()> {
                    <$t as C>::delete(module, ids)
                }
                fn watch(modules: Vec<Module>, url: String, token: String) -> Result<(), ConnectorError> {
                    <$t as C>::watch(modules, url, token)
                }
                fn parse_notification(notification: Notification) -> Result<Notified, ConnectorError> {
                    <$t as C>::parse_notification(notification)
                }
            }
            impl Actions for $t {
                fn perform(request: ActionRequest) -> Result<RecordRef, ConnectorError> {
                    <$t as C>::perform(request)
                }
                fn attach(to: RecordRef, file: File) -> Result<String, ConnectorError> {
                    <$t as C>::attach(to, file)
                }
                fn download(id: String) -> Result<File, ConnectorError> {
                    <$t as C>::download(id)
                }
            }
        };
        $crate::export!($t);
    };
}
