//! `multipart/form-data` bodies (RFC 7578) for uploading a file, as CRMs
//! take attachments (Zoho's `.../Attachments`, for one).

use crate::hash::fnv1a;

/// A form with one file part: the body and its `Content-Type` header value.
pub struct Form {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A form whose part `field` carries `content` as the file `file_name`.
/// The boundary is derived from the content and checked not to occur in it
/// (the sandbox has no randomness, and none is needed).
pub fn file(field: &str, file_name: &str, content_type: &str, content: &[u8]) -> Form {
    let boundary = boundary(content, fnv1a(content));
    let mut body = Vec::with_capacity(content.len() + 256);
    body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
    body.extend_from_slice(
        format!("Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n", quoted(field), quoted(file_name)).as_bytes(),
    );
    body.extend_from_slice(format!("Content-Type: {}\r\n\r\n", header_safe(content_type)).as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Form { content_type: format!("multipart/form-data; boundary={boundary}"), body }
}

/// A quoted-string's content: quotes and backslashes escaped as browsers
/// do (`%22`), line breaks dropped, so a file name cannot end the header.
fn quoted(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .map(|c| match c {
            '"' => "%22".to_string(),
            '\\' => "%5C".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A header value without line breaks; empty becomes a generic type.
fn header_safe(text: &str) -> &str {
    if text.is_empty() || text.contains(['\r', '\n']) {
        "application/octet-stream"
    } else {
        text
    }
}

/// The first of the boundaries `seed` starts that `content` does not hold.
fn boundary(content: &[u8], mut seed: u64) -> String {
    loop {
        let candidate = format!("deskpane-{seed:016x}");
        if !contains(content, candidate.as_bytes()) {
            return candidate;
        }
        seed = seed.wrapping_mul(0x100000001b3).wrapping_add(1);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_part_is_framed_by_a_boundary_absent_from_the_content() {
        let form = file("file", "invoice.pdf", "application/pdf", b"%PDF-1.7 body");
        let boundary = form.content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8(form.body.clone()).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\"\r\n")));
        assert!(text.contains("Content-Type: application/pdf\r\n\r\n%PDF-1.7 body\r\n"));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }

    #[test]
    fn content_that_holds_the_first_boundary_gets_another() {
        let content = b"before --deskpane-0000000000000007 after";
        let chosen = boundary(content, 7);
        assert_ne!(chosen, "deskpane-0000000000000007");
        assert!(!String::from_utf8_lossy(content).contains(&chosen));
    }

    #[test]
    fn a_file_name_cannot_break_out_of_its_header() {
        let form = file("file", "evil\"\r\nX-Injected: 1.txt", "text/plain\r\nX: y", b"z");
        let text = String::from_utf8(form.body).unwrap();
        assert!(text.contains("filename=\"evil%22X-Injected: 1.txt\""));
        assert!(!text.contains("\r\nX-Injected"));
        assert!(text.contains("Content-Type: application/octet-stream\r\n"));
    }
}
