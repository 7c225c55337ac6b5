//! `multipart/form-data` bodies, what serenity sends when a message carries files: the JSON of the `payload_json`
//! part, and every file part (`files[0]`, `files[1]`…) read as bytes, never through a text decoding (a file may be
//! binary).

use serde_json::Value;

/// A file uploaded in a multipart body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Upload {
    /// `N` of a `files[N]` part: the `id` the payload's `attachments` entries refer to it by.
    pub index: Option<u64>,
    /// The part's `filename`.
    pub filename: String,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// The file's bytes, as sent.
    pub data: Vec<u8>,
}

/// A multipart body, read.
#[derive(Debug, Default)]
pub(crate) struct Form {
    /// The JSON of the `payload_json` part (`None`: no such part, or not JSON).
    pub payload: Option<Value>,
    /// The file parts, in the order they were sent.
    pub files: Vec<Upload>,
}

/// Reads a `multipart/form-data` body with the boundary its `Content-Type` names; `None` when it is no well-formed
/// multipart body (no boundary, or a part that never ends).
pub(crate) fn parse(content_type: &str, body: &[u8]) -> Option<Form> {
    let boundary = content_type.split(';').skip(1).find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"'))
    })?;
    if boundary.is_empty() {
        return None;
    }
    let dash_boundary = format!("--{boundary}").into_bytes();
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // The first boundary opens the body (or follows a preamble, which is ignored).
    let mut at = if body.starts_with(&dash_boundary) { 0 } else { find(body, &delimiter, 0)? + 2 };
    let mut form = Form::default();
    loop {
        let mut cursor = at + dash_boundary.len();
        let rest = body.get(cursor..)?;
        if rest.starts_with(b"--") {
            return Some(form);
        }
        // Transport padding, then the line break that ends the boundary line.
        cursor += rest.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
        if !body.get(cursor..)?.starts_with(b"\r\n") {
            return None;
        }
        cursor += 2;
        let (headers, content_start) = if body.get(cursor..)?.starts_with(b"\r\n") {
            (&body[cursor..cursor], cursor + 2)
        } else {
            let end = find(body, b"\r\n\r\n", cursor)?;
            (&body[cursor..end], end + 4)
        };
        let next = find(body, &delimiter, content_start)?;
        read_part(&mut form, headers, &body[content_start..next]);
        at = next + 2;
    }
}

/// Adds one part to the form: the payload, or a file (a part with a `filename`); other fields are ignored.
fn read_part(form: &mut Form, headers: &[u8], content: &[u8]) {
    // Header lines are ASCII but for the file name, which reqwest writes as raw UTF-8.
    let headers = String::from_utf8_lossy(headers);
    let mut params = Vec::new();
    let mut content_type = None;
    for line in headers.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else { continue };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-disposition") {
            params = disposition_params(value);
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_string()).filter(|v| !v.is_empty());
        }
    }
    let param = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let name = param("name*").or_else(|| param("name")).unwrap_or_default();
    if name == "payload_json" {
        form.payload = serde_json::from_slice(content).ok();
        return;
    }
    let Some(filename) = param("filename*").or_else(|| param("filename")) else { return };
    let index = name.strip_prefix("files[").and_then(|n| n.strip_suffix(']')).and_then(|n| n.parse().ok());
    form.files.push(Upload { index, filename: filename.to_string(), content_type, data: content.to_vec() });
}

/// The parameters of a `Content-Disposition` value (`form-data; name="files[0]"; filename="a.txt"`), keys in lower
/// case; quoted values unescaped (`\"`, `\\`), extended ones (`name*=utf-8''…`) percent-decoded.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    // The disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ';').is_some() {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            key.push(c);
        }
        if key.is_empty() {
            return out;
        }
        let mut raw = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => raw.extend(chars.next()),
                        c => raw.push(c),
                    }
                }
            } else {
                while let Some(c) = chars.next_if(|c| *c != ';') {
                    raw.push(c);
                }
            }
        }
        let key = key.trim().to_ascii_lowercase();
        let value = if key.ends_with('*') {
            // RFC 8187: `charset'language'percent-encoded`.
            raw.trim().splitn(3, '\'').nth(2).map(percent_decode).unwrap_or_default()
        } else {
            raw
        };
        out.push((key, value));
    }
}

/// Percent-decodes `%XX` escapes (invalid escapes stay as they are; the bytes are read as UTF-8).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first position at or after `from` where `needle` starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while let Some(offset) = haystack.get(at..)?.iter().position(|b| *b == first) {
        let start = at + offset;
        if haystack.get(start..start + needle.len())? == needle {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=b0un-d4ry";

    fn body(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (headers, content) in parts {
            out.extend_from_slice(b"--b0un-d4ry\r\n");
            out.extend_from_slice(headers.as_bytes());
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(content);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--b0un-d4ry--\r\n");
        out
    }

    #[test]
    fn the_payload_and_the_files_are_read_as_bytes() {
        let binary: &[u8] = &[0xff, 0x00, b'\r', b'\n', b'-', b'-', 0xfe, b'\r', b'\n'];
        let html = "<html>\u{2713}</html>".as_bytes();
        let sent = body(&[
            ("Content-Disposition: form-data; name=\"files[0]\"; filename=\"t.html\"\r\nContent-Type: text/html", html),
            ("Content-Disposition: form-data; name=\"files[1]\"; filename=\"a \\\"b\\\"; c.bin\"", binary),
            ("Content-Disposition: form-data; name=\"payload_json\"", br#"{"content":"x"}"#),
        ]);
        let form = parse(TYPE, &sent).unwrap_or_default();
        assert_eq!(form.payload, Some(json!({"content": "x"})));
        assert_eq!(form.files.len(), 2);
        assert_eq!(form.files[0].index, Some(0));
        assert_eq!(form.files[0].filename, "t.html");
        assert_eq!(form.files[0].content_type.as_deref(), Some("text/html"));
        assert_eq!(form.files[0].data, html);
        assert_eq!(form.files[1].index, Some(1));
        assert_eq!(form.files[1].filename, "a \"b\"; c.bin");
        assert_eq!(form.files[1].content_type, None);
        assert_eq!(form.files[1].data, binary);
    }

    #[test]
    fn extended_names_are_decoded_and_broken_bodies_refused() {
        let sent = body(&[("Content-Disposition: form-data; name*=utf-8''files%5B3%5D; filename=\"\u{e9}.txt\"", b"")]);
        let form = parse("multipart/form-data; boundary=\"b0un-d4ry\"", &sent).unwrap_or_default();
        assert_eq!(form.files.first().map(|f| (f.index, f.filename.as_str())), Some((Some(3), "\u{e9}.txt")));
        assert!(form.files[0].data.is_empty());
        assert!(parse(TYPE, b"--b0un-d4ry\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever ends").is_none());
        assert!(parse("multipart/form-data", &sent).is_none());
    }
}
