//! Following a CRM's pages to the end, as the contract asks of
//! `potentials`, `notes` and `activities`.

use crate::deskpane::connector::types::ConnectorError;

/// Pages a connector follows at most, so a CRM that keeps answering "more"
/// (a bug, or a cursor that never advances) ends in an error, not a hang.
pub const MAX_PAGES: usize = 1000;

/// Every item of every page. `fetch` gets `None` for the first page, then
/// each token it returned, and answers the page's items and the next page's
/// token (`None` on the last page). A token repeated is a CRM bug and ends
/// the walk with a permanent error rather than looping.
pub fn collect<T>(
    mut fetch: impl FnMut(Option<&str>) -> Result<(Vec<T>, Option<String>), ConnectorError>,
) -> Result<Vec<T>, ConnectorError> {
    let mut all = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (items, next) = fetch(token.as_deref())?;
        all.extend(items);
        match next {
            None => return Ok(all),
            Some(next) if !seen.insert(next.clone()) => {
                return Err(ConnectorError::Permanent(format!("the CRM sent the page token `{next}` twice; stopped following pages")))
            }
            Some(next) => token = Some(next),
        }
    }
    Err(ConnectorError::Permanent(format!("the CRM had more than {MAX_PAGES} pages; stopped following them")))
}
