//! The traffic file (`DISCORD_SIM_TRAFFIC`): every served request appended as one JSON line.
//!
//! Several fakes, in one process or in several (test binaries run side by side), may append to the same file. Each
//! record is therefore written with **one** `write` call of the whole line on a file opened for appending: the
//! operating system appends such a write in one piece, so lines from different writers never interleave. (Writing
//! a line piece by piece, as `writeln!` on an unbuffered file does, tears lines as soon as two writers overlap.)

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use super::shared::RecordedRequest;

/// A traffic file opened for appending.
#[derive(Debug)]
pub(crate) struct TrafficFile {
    file: File,
}

impl TrafficFile {
    /// Opens (creating it if needed) `path` for appending.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(Self { file: OpenOptions::new().create(true).append(true).open(path)? })
    }

    /// Appends one request as one JSON line (`method`, `path`, `body`, `status`, `response`, and `withheld: true`
    /// for an answer never sent), in a single write.
    pub fn append(&self, request: &RecordedRequest) -> io::Result<()> {
        let mut line = json!({
            "method": request.method,
            "path": request.path,
            "body": request.body,
            "status": request.status,
            "response": request.response,
        });
        if request.withheld {
            line["withheld"] = true.into();
        }
        let mut line = line.to_string();
        line.push('\n');
        // `write_all` is one `write` of the whole line: appends to a regular file are not cut short.
        (&self.file).write_all(line.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn request(writer: usize, n: usize) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: format!("/api/v10/channels/{writer}/messages"),
            // Long enough that a line is written in many pieces by anything that does not write it whole.
            body: json!({ "content": format!("{writer}:{n}:{}", "x".repeat(1500)), "embeds": [{"title": "t"}] }),
            status: 200,
            response: json!({ "id": n.to_string(), "content": "y".repeat(500) }),
            served_at: std::time::Instant::now(),
            withheld: false,
        }
    }

    /// Several writers with their own handles (what several test processes amount to) append at the same time:
    /// every line is whole JSON, and every record is there once.
    #[test]
    fn concurrent_writers_never_tear_a_line() {
        const WRITERS: usize = 8;
        const RECORDS: usize = 300;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("traffic.jsonl");
        let start = std::sync::Barrier::new(WRITERS);
        std::thread::scope(|scope| {
            for writer in 0..WRITERS {
                let (path, start) = (&path, &start);
                scope.spawn(move || {
                    let file = TrafficFile::open(path).unwrap();
                    start.wait();
                    for n in 0..RECORDS {
                        file.append(&request(writer, n)).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let head: String = line.chars().take(120).collect();
            let parsed: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("line {i} is torn ({e}): {head}…"));
            let content = parsed["body"]["content"].as_str().unwrap();
            let mut key = content.splitn(3, ':');
            let writer: usize = key.next().unwrap().parse().unwrap();
            let n: usize = key.next().unwrap().parse().unwrap();
            assert!(seen.insert((writer, n)), "record {writer}:{n} written twice");
        }
        assert_eq!(seen.len(), WRITERS * RECORDS, "every record was written");
    }
}
