//! Reading lines with a hard size limit.
//!
//! [`LineReader`] never buffers more than the limit: a longer line is reported as [`Line::TooLong`], with its
//! first `limit` bytes, the moment it passes the limit, and the rest of it is read and thrown away up to its
//! `\n`. A 1 MiB line therefore costs the limit in memory, not 1 MiB.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// What [`LineReader::next_line`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A whole line, without its `\n`.
    Complete(Vec<u8>),
    /// A line passed the limit; the rest of it is discarded up to its `\n`. `head` is its first `limit` bytes,
    /// for whatever can still be read from them (who it was about).
    TooLong {
        /// The start of the line.
        head: Vec<u8>,
    },
}

/// Reads `\n`-terminated lines of at most `max` bytes.
///
/// Cancel-safe: if a call is dropped before it returns, what it read so far stays in the reader, and the next
/// call carries on from there.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    buf: Vec<u8>,
    max: usize,
    discarding: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// A reader of lines of at most `max` bytes (not counting the `\n`).
    pub fn new(inner: R, max: usize) -> Self {
        Self {
            inner: BufReader::with_capacity(max.clamp(512, 64 * 1024), inner),
            buf: Vec::new(),
            max,
            discarding: false,
        }
    }

    /// The next line; `Ok(None)` at the end of the stream. A partial line before the end is dropped: every line
    /// ends with `\n`.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let available = self.inner.fill_buf().await?;
            if available.is_empty() {
                self.buf.clear();
                self.discarding = false;
                return Ok(None);
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(available.len());
            if self.discarding {
                self.inner.consume(take + usize::from(newline.is_some()));
                if newline.is_some() {
                    self.discarding = false;
                }
                continue;
            }
            if self.buf.len() + take > self.max {
                let line_ends_here = newline.is_some();
                let room = self.max - self.buf.len();
                self.buf.extend_from_slice(&available[..room]);
                self.inner.consume(take + usize::from(line_ends_here));
                self.discarding = !line_ends_here;
                return Ok(Some(Line::TooLong { head: std::mem::take(&mut self.buf) }));
            }
            self.buf.extend_from_slice(&available[..take]);
            self.inner.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                return Ok(Some(Line::Complete(std::mem::take(&mut self.buf))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<Line> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line().await.unwrap() {
            out.push(line);
        }
        out
    }

    fn complete(s: &str) -> Line {
        Line::Complete(s.as_bytes().to_vec())
    }

    #[tokio::test]
    async fn splits_on_newlines_and_drops_a_partial_last_line() {
        assert_eq!(lines(b"a\n\nbc\r\nlast", 10).await, vec![complete("a"), complete(""), complete("bc\r")]);
    }

    #[tokio::test]
    async fn long_lines_are_reported_once_and_skipped() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1 << 20));
        input.extend(b"\nafter\n0123456789\n01234567890\n");
        let head = |s: &str| Line::TooLong { head: s.as_bytes().to_vec() };
        assert_eq!(
            lines(&input, 10).await,
            vec![complete("ok"), head("xxxxxxxxxx"), complete("after"), complete("0123456789"), head("0123456789")]
        );
    }

    #[tokio::test]
    async fn a_carriage_return_counts_toward_the_limit() {
        let head = |s: &str| Line::TooLong { head: s.as_bytes().to_vec() };
        assert_eq!(
            lines(b"0123456789\n0123456789\r\n012345678\r\n", 10).await,
            vec![complete("0123456789"), head("0123456789"), complete("012345678\r"),]
        );
    }

    #[tokio::test]
    async fn memory_stays_bounded_while_discarding() {
        let input = vec![b'y'; 1 << 20];
        let mut reader = LineReader::new(&input[..], 8192);
        assert_eq!(reader.next_line().await.unwrap(), Some(Line::TooLong { head: vec![b'y'; 8192] }));
        assert!(reader.buf.capacity() <= 2 * 8192);
        assert_eq!(reader.next_line().await.unwrap(), None);
    }

    mod properties {
        use proptest::collection::vec;
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn never_panics_and_never_exceeds_the_limit(chunks in vec(vec(any::<u8>(), 0..300), 0..20), max in 1usize..64) {
                let input: Vec<u8> = chunks.concat();
                let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let out = rt.block_on(lines(&input, max));
                for line in out {
                    let (Line::Complete(bytes) | Line::TooLong { head: bytes }) = line;
                    prop_assert!(bytes.len() <= max);
                    prop_assert!(!bytes.contains(&b'\n'));
                }
            }
        }
    }
}
