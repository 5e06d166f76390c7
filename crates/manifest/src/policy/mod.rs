//! Policy: what a plugin may reach and how much it may use, and how
//! often a sign-in may fail.
//! Pure decisions with table tests; `runtime` and `outbound` enforce them.

pub mod allow_list;
pub mod limits;
pub mod retry;
pub mod throttle;

pub use allow_list::{AllowList, Denial, HostPattern, PatternError};
pub use limits::{LimitRequest, Limits};
