//! The pages' files (`web/`): built into the binary, so `deskpane serve`
//! runs from any directory; an operator (or a test) may serve them from a
//! folder instead (`--web-dir`), read at request time.

use std::borrow::Cow;
use std::path::Path;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "../web/"]
#[include = "*.html"]
#[include = "*.js"]
#[include = "*.css"]
#[include = "i18n/*.json"]
#[include = "*.svg"]
#[include = "*.png"]
struct Web;

/// A file's content type, for the kinds of file the pages use; anything
/// else is not served.
fn content_type(name: &str) -> Option<&'static str> {
    Some(match name.rsplit('.').next()? {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        _ => return None,
    })
}

/// Whether `path` names a file below `web/`: folders and a file name of
/// letters, digits, `-`, `_` and `.`, none starting with a dot (so no
/// `..`, no hidden files, no absolute paths).
fn safe(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 200
        && path.split('/').all(|part| {
            !part.is_empty() && !part.starts_with('.') && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// Serves `path` of the pages' files.
pub fn serve(web_dir: Option<&Path>, path: &str) -> Response {
    let (true, Some(kind)) = (safe(path), content_type(path)) else {
        return ApiError::not_found(format!("there is no page asset {path}")).into_response();
    };
    let bytes: Option<Cow<'static, [u8]>> = match web_dir {
        Some(dir) => match std::fs::read(dir.join(path)) {
            Ok(bytes) => Some(Cow::Owned(bytes)),
            Err(e) => {
                tracing::warn!("page asset {path} is missing from {}: {e}", dir.display());
                None
            }
        },
        None => Web::get(path).map(|file| file.data),
    };
    match bytes {
        Some(bytes) => ([(CONTENT_TYPE, kind), (CACHE_CONTROL, "no-cache")], bytes).into_response(),
        None => ApiError::not_found(format!("there is no page asset {path}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_below_the_folder_are_served() {
        for ok in ["admin.html", "lib/dom.js", "admin/sync/cards.js", "style.css"] {
            assert!(safe(ok), "{ok}");
        }
        for bad in ["", "../secret.key", "lib/../../x.js", "/etc/passwd", ".hidden.js", "lib//x.js", "a\\b.js", "x.js?y"] {
            assert!(!safe(bad), "{bad}");
        }
        assert_eq!(content_type("x.wasm"), None);
    }

    #[test]
    fn the_built_in_pages_are_in_the_binary() {
        assert!(Web::get("index.html").is_some() && Web::get("admin.html").is_some());
        assert!(Web::get("i18n/en.json").is_some(), "the message catalogs");
    }
}
