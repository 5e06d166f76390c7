//! Recording contact-centre conversations into the CRM (seed 004): the
//! rules (`rules`, pure), what was recorded and what waits (`store`),
//! and the engine applying them through the connected CRM's plugin
//! (`engine`). Rules never name a CRM: the CRM plugin's manifest maps each
//! concept to its fields. See docs/recording.md.

pub mod engine;
pub mod rules;
pub mod store;

pub use engine::{Recorder, RecordingError};
pub use rules::RecordingSettings;
pub use store::{Entry, RecordingStore};
