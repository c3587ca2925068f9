//! Reading the journal back: line by line, each line at most [`MAX_LINE`]
//! bytes, so a journal of any size costs one line of memory. Lines that are
//! not entries (a torn write, another program's text) are counted and
//! skipped, never fatal.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{Entry, JournalError};
use crate::files::open_regular_nofollow;
use crate::telnyx::{BeepEnabled, ConferenceId};

/// The longest line read; a longer one is skipped as unreadable.
pub(crate) const MAX_LINE: usize = 1024 * 1024;
/// How much of the journal's end the console reads for its beep markers.
pub(crate) const MARKER_TAIL: u64 = 16 * 1024 * 1024;
/// Line numbers of unreadable lines remembered (the rest are counted).
const BAD_LINES_KEPT: usize = 5;

/// Which entries `confmod audit` prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Filter {
    pub conference: Option<ConferenceId>,
    pub since: Option<OffsetDateTime>,
}

impl Filter {
    pub(crate) fn matches(&self, entry: &Entry) -> bool {
        if let Some(conf) = &self.conference
            && ConferenceId::from_api(&entry.conference_id).as_ref() != Some(conf)
        {
            return false;
        }
        match self.since {
            Some(since) => entry.at().is_some_and(|at| at >= since),
            None => true,
        }
    }
}

/// The journal's entries, oldest first.
#[derive(Debug)]
pub(crate) struct Reader {
    path: PathBuf,
    lines: BufReader<File>,
    line_no: u64,
    buf: Vec<u8>,
    unreadable: usize,
    bad_lines: Vec<u64>,
}

impl Reader {
    /// The journal at `path`; `None` when there is none yet.
    pub(crate) fn open(path: &Path) -> Result<Option<Self>, JournalError> {
        let file = match open_regular_nofollow(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(JournalError {
                    path: path.to_path_buf(),
                    doing: "read",
                    source,
                });
            }
        };
        Ok(Some(Reader {
            path: path.to_path_buf(),
            lines: BufReader::with_capacity(64 * 1024, file),
            line_no: 0,
            buf: Vec::new(),
            unreadable: 0,
            bad_lines: Vec::new(),
        }))
    }

    /// The last `bytes` of the journal at `path` (from the first whole line
    /// in them); `None` when there is none yet.
    pub(crate) fn open_tail(path: &Path, bytes: u64) -> Result<Option<Self>, JournalError> {
        let Some(mut reader) = Self::open(path)? else {
            return Ok(None);
        };
        let failed = |source| JournalError {
            path: path.to_path_buf(),
            doing: "read",
            source,
        };
        let len = reader.lines.get_ref().metadata().map_err(failed)?.len();
        if len > bytes {
            reader
                .lines
                .seek(SeekFrom::Start(len - bytes - 1))
                .map_err(failed)?;
            // the rest of a line cut in two is not an entry
            let mut skipped = 0;
            read_line(&mut reader.lines, &mut reader.buf, &mut skipped).map_err(failed)?;
        }
        Ok(Some(reader))
    }

    /// Lines that were not entries, so far.
    pub(crate) fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// The numbers of the first few of them (1-based; from the start of
    /// what was read).
    pub(crate) fn bad_lines(&self) -> &[u64] {
        &self.bad_lines
    }

    fn bad(&mut self) {
        self.unreadable += 1;
        if self.bad_lines.len() < BAD_LINES_KEPT {
            self.bad_lines.push(self.line_no);
        }
    }
}

impl Iterator for Reader {
    type Item = Result<Entry, JournalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let mut too_long = 0;
            match read_line(&mut self.lines, &mut self.buf, &mut too_long) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(source) => {
                    return Some(Err(JournalError {
                        path: self.path.clone(),
                        doing: "read",
                        source,
                    }));
                }
            }
            self.line_no += 1;
            if too_long > 0 {
                self.bad();
                continue;
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Entry>(&self.buf) {
                Ok(entry) => return Some(Ok(entry)),
                Err(_) => self.bad(),
            }
        }
    }
}

/// Reads one line (without its `\n`) into `buf`, keeping at most
/// [`MAX_LINE`] bytes; the bytes beyond are counted in `dropped`. `false`
/// at the end of the file.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>, dropped: &mut usize) -> io::Result<bool> {
    buf.clear();
    let mut any = false;
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(any);
        }
        any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        let keep = chunk.len().min(room);
        buf.extend_from_slice(&chunk[..keep]);
        *dropped += chunk.len() - keep;
        let used = done.unwrap_or(chunk.len());
        r.consume(used);
        if done.is_some() {
            return Ok(true);
        }
    }
}

/// The `beep_enabled` last set with success for each participant on
/// `api_host`, from the last [`MARKER_TAIL`] bytes of the journal: the API
/// never returns it, so the journal is all anyone knows of it.
pub(crate) fn last_beeps(
    path: &Path,
    api_host: &str,
) -> Result<HashMap<String, BeepEnabled>, JournalError> {
    let mut beeps = HashMap::new();
    let Some(reader) = Reader::open_tail(path, MARKER_TAIL)? else {
        return Ok(beeps);
    };
    for entry in reader {
        let entry = entry?;
        if !entry.ok || entry.action != "update" || entry.api_host != api_host {
            continue;
        }
        let Some(beep) = entry
            .sent
            .get("beep_enabled")
            .and_then(|b| serde_json::from_value::<BeepEnabled>(b.clone()).ok())
        else {
            continue;
        };
        for id in entry.participants.iter().filter_map(|p| p.id.as_ref()) {
            beeps.insert(id.clone(), beep);
        }
    }
    Ok(beeps)
}

/// `--since`: a duration back from `now` (`90s`, `15m`, `2h`, `3d`, `1w`)
/// or an RFC 3339 time (`2026-12-01T09:00:00Z`).
pub(crate) fn parse_since(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let bad = || {
        format!(
            "'{}' is neither a duration (90s, 15m, 2h, 3d, 1w) nor an RFC 3339 time (2026-12-01T09:00:00Z)",
            crate::sanitize::sanitize_line(text, 40)
        )
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = text.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let unit = match unit.trim() {
        "s" | "sec" | "secs" => Duration::SECOND,
        "m" | "min" | "mins" => Duration::MINUTE,
        "h" | "hour" | "hours" => Duration::HOUR,
        "d" | "day" | "days" => Duration::DAY,
        "w" | "week" | "weeks" => Duration::WEEK,
        _ => return Err(bad()),
    };
    // at most ten years back: nothing confmod wrote is older
    if n > 3_660 * 24 * 3_600 / unit.whole_seconds().max(1) {
        return Err(bad());
    }
    Ok(now - unit * (n as i32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Journal, Origin, Outcome, Party, Subject, Write};
    use crate::telnyx::UpdateParticipant;
    use std::io::Write as _;

    fn conf(n: u8) -> ConferenceId {
        ConferenceId::from_api(&format!("3fa85f64-5717-4562-b3fc-2c963f66afa{n}")).unwrap()
    }

    fn origin(host: &str) -> Origin {
        Origin {
            operator: Some("ana".into()),
            via: "console",
            api_host: host.into(),
        }
    }

    fn subject(ids: &[&str]) -> Subject {
        Subject {
            conference_name: None,
            participants: ids
                .iter()
                .map(|id| Party {
                    id: Some(id.to_string()),
                    ..Party::default()
                })
                .collect(),
        }
    }

    fn status(s: u16) -> Outcome {
        Outcome {
            status: Some(s),
            code: None,
            error: None,
        }
    }

    fn beep(b: BeepEnabled) -> UpdateParticipant {
        UpdateParticipant {
            beep_enabled: Some(b),
            ..Default::default()
        }
    }

    #[test]
    fn beep_markers_are_the_last_successful_set_on_this_api() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let here = Journal::open(&path, false, origin("api.telnyx.com")).unwrap();
        let there = Journal::open(&path, false, origin("127.0.0.1:8765")).unwrap();
        let (always, never) = (beep(BeepEnabled::Always), beep(BeepEnabled::Never));
        here.record(
            &conf(1),
            &subject(&["a", "b"]),
            &Write::Update(&always),
            status(200),
        )
        .unwrap();
        here.record(
            &conf(1),
            &subject(&["a"]),
            &Write::Update(&never),
            status(200),
        )
        .unwrap();
        // a failure sets nothing
        here.record(
            &conf(1),
            &subject(&["b"]),
            &Write::Update(&never),
            status(422),
        )
        .unwrap();
        // another API's participants are not these
        there
            .record(
                &conf(1),
                &subject(&["c"]),
                &Write::Update(&never),
                status(200),
            )
            .unwrap();
        // an update without beep_enabled says nothing of it
        let other = UpdateParticipant {
            end_conference_on_exit: Some(true),
            ..Default::default()
        };
        here.record(
            &conf(1),
            &subject(&["a"]),
            &Write::Update(&other),
            status(200),
        )
        .unwrap();
        // a torn line is skipped
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"time\": \"2026-\n")
            .unwrap();

        let beeps = last_beeps(&path, "api.telnyx.com").unwrap();
        assert_eq!(
            beeps,
            HashMap::from([
                ("a".to_string(), BeepEnabled::Never),
                ("b".to_string(), BeepEnabled::Always),
            ])
        );
        assert!(
            last_beeps(&dir.path().join("none"), "x")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn filters_by_conference_and_time_and_counts_what_is_not_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let j = Journal::open(&path, false, origin("h")).unwrap();
        j.record(&conf(1), &subject(&[]), &Write::End, status(200))
            .unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"not json\n\n").unwrap();
        file.write_all(&vec![b'x'; MAX_LINE + 10]).unwrap();
        file.write_all(b"\n").unwrap();
        j.record(&conf(2), &subject(&[]), &Write::End, status(200))
            .unwrap();

        let mut reader = Reader::open(&path).unwrap().unwrap();
        let all: Vec<Entry> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(reader.unreadable(), 2);
        assert_eq!(reader.bad_lines(), &[2, 4]);

        let only = Filter {
            conference: Some(conf(2)),
            since: None,
        };
        let picked: Vec<_> = all.iter().filter(|e| only.matches(e)).collect();
        assert_eq!(picked.len(), 1);
        assert_eq!(picked[0].conference_id, conf(2).to_string());
        let later = Filter {
            conference: None,
            since: Some(OffsetDateTime::now_utc() + Duration::HOUR),
        };
        assert!(all.iter().all(|e| !later.matches(e)));
        let earlier = Filter {
            conference: None,
            since: Some(OffsetDateTime::now_utc() - Duration::HOUR),
        };
        assert!(all.iter().all(|e| earlier.matches(e)));
    }

    #[test]
    fn the_tail_starts_at_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let j = Journal::open(&path, false, origin("h")).unwrap();
        for _ in 0..50 {
            j.record(&conf(1), &subject(&["a"]), &Write::End, status(200))
                .unwrap();
        }
        // entries differ in length (the time's fraction): measure them
        let text = std::fs::read_to_string(&path).unwrap();
        let len = text.len() as u64;
        let starts: Vec<u64> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i as u64 + 1))
            .filter(|&at| at < len)
            .collect();
        let n = starts.len();
        assert_eq!(n, 50);
        // from the middle of the fourth line from the end: three entries
        let mid = (starts[n - 4] + starts[n - 3]) / 2;
        let mut tail = Reader::open_tail(&path, len - mid).unwrap().unwrap();
        assert_eq!(tail.by_ref().map(Result::unwrap).count(), 3);
        assert_eq!(tail.unreadable(), 0);
        // exactly at a line's start: that line is whole
        let mut tail = Reader::open_tail(&path, len - starts[n - 2])
            .unwrap()
            .unwrap();
        assert_eq!(tail.by_ref().map(Result::unwrap).count(), 2);
        assert_eq!(tail.unreadable(), 0);
    }

    #[test]
    fn since_reads_durations_and_times() {
        let now = OffsetDateTime::from_unix_timestamp(1_796_000_000).unwrap();
        assert_eq!(parse_since("2h", now).unwrap(), now - Duration::HOUR * 2);
        assert_eq!(
            parse_since("90s", now).unwrap(),
            now - Duration::SECOND * 90
        );
        assert_eq!(
            parse_since("15m", now).unwrap(),
            now - Duration::MINUTE * 15
        );
        assert_eq!(parse_since("3d", now).unwrap(), now - Duration::DAY * 3);
        assert_eq!(parse_since("1w", now).unwrap(), now - Duration::WEEK);
        assert_eq!(
            parse_since("2026-12-01T09:00:00Z", now).unwrap(),
            OffsetDateTime::parse("2026-12-01T09:00:00Z", &Rfc3339).unwrap()
        );
        for bad in [
            "",
            "h",
            "2",
            "2x",
            "-2h",
            "99999999999999999999h",
            "1000000w",
        ] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }
}
