//! Policy: what a plugin may reach and how much it may use, how often a
//! sign-in may fail, and whether a CRM's notification is genuine.
//! Pure decisions with table tests; `runtime` and `outbound` enforce them.

pub mod allow_list;
pub mod limits;
pub mod retry;
pub mod signature;
pub mod throttle;

pub use allow_list::{AllowList, Denial, HostPattern, PatternError};
pub use limits::{LimitRequest, Limits};
pub use signature::{SignatureError, SignatureSpec};
