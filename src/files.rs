//! The operator's files. Small ones (the API key file, the config file,
//! scenario files) are read with a size limit: only a regular file is read
//! (never a device, a FIFO or a directory), and never more than its limit.
//! Private ones (the audit journal, the log file) are opened for appending
//! only, created 0600 in a 0700 directory, never through a symbolic link.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest API key file read (the key itself is at most
/// [`MAX_KEY_LEN`](crate::telnyx::MAX_KEY_LEN) bytes; the rest is room for
/// whitespace).
pub(crate) const KEY_FILE_LIMIT: u64 = 8 * 1024;
/// The largest config file read.
pub(crate) const CONFIG_FILE_LIMIT: u64 = 64 * 1024;
/// The largest scenario file read (`confmod sim --scenario`, `confmod demo --scenario`).
pub(crate) const SCENARIO_FILE_LIMIT: u64 = 1024 * 1024;

/// Why a small file could not be read. Says what is wrong, never what the
/// file holds.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// It does not exist.
    NotFound,
    /// A device, a FIFO, a socket or a directory.
    NotRegular,
    /// Larger than the limit (in bytes).
    TooLarge(u64),
    /// Not UTF-8 text.
    NotText,
    /// Anything else (permissions, I/O).
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("No such file or directory"),
            ReadError::NotRegular => f.write_str("it is not a regular file"),
            ReadError::TooLarge(limit) => write!(f, "it is larger than {}", size(*limit)),
            ReadError::NotText => f.write_str("it is not UTF-8 text"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `8 KiB`, `1 MiB`, `300 bytes`.
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Reads the whole of a regular file of at most `limit` bytes as text.
/// Symbolic links are followed (secrets are often mounted as links); what
/// they lead to must be a regular file. A FIFO is refused without blocking.
pub(crate) fn read_small(path: &Path, limit: u64) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(io_error)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let file = open_nonblocking(path).map_err(io_error)?;
    // the file may have been replaced since it was looked at
    if !file.metadata().map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotText)
}

fn io_error(e: io::Error) -> ReadError {
    if e.kind() == io::ErrorKind::NotFound {
        ReadError::NotFound
    } else {
        ReadError::Io(e)
    }
}

/// Opens for reading; on unix with `O_NONBLOCK`, so that a FIFO put in the
/// file's place after it was looked at cannot block the open.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

/// Opens a private file for appending: its directory is created (0700)
/// when missing, the file is created 0600 when missing, and an existing file
/// is appended to, never truncated. A symbolic link in the file's place is
/// refused (`O_NOFOLLOW`), and so is anything but a regular file.
pub(crate) fn open_private_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(
            (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
        );
    }
    refuse_odd(path)?;
    // checked again on the open file: it may have been replaced meanwhile
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    Ok(file)
}

/// Opens a file for reading, never through a symbolic link and only if it
/// is a regular file.
pub(crate) fn open_regular_nofollow(path: &Path) -> io::Result<File> {
    refuse_odd(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(
            (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
        );
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    Ok(file)
}

/// Refuses a symbolic link, a device, a FIFO or a directory in `path`'s
/// place (a missing file is fine).
fn refuse_odd(path: &Path) -> io::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let why = if meta.file_type().is_symlink() {
        "it is a symbolic link (refused: the file must be named directly)"
    } else if !meta.is_file() {
        "it is not a regular file"
    } else {
        return Ok(());
    };
    Err(io::Error::new(io::ErrorKind::InvalidInput, why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "KEY123\n").unwrap();
        assert_eq!(read_small(&path, 7).unwrap(), "KEY123\n");
        assert!(matches!(read_small(&path, 6), Err(ReadError::TooLarge(6))));
        let missing = dir.path().join("missing");
        assert!(matches!(read_small(&missing, 6), Err(ReadError::NotFound)));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_small(&path, 6), Err(ReadError::NotText)));
    }

    #[test]
    fn devices_directories_and_fifos_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_small(dir.path(), 1 << 20),
            Err(ReadError::NotRegular)
        ));
        #[cfg(unix)]
        {
            for device in ["/dev/zero", "/dev/null"] {
                let err = read_small(Path::new(device), 1 << 20).unwrap_err();
                assert!(matches!(err, ReadError::NotRegular), "{device}: {err}");
            }
            // a FIFO with no writer would block a plain read forever
            let fifo = dir.path().join("fifo");
            rustix::fs::mknodat(
                rustix::fs::CWD,
                &fifo,
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::from_raw_mode(0o600),
                0,
            )
            .unwrap();
            assert!(matches!(
                read_small(&fifo, 1 << 20),
                Err(ReadError::NotRegular)
            ));
            // a symbolic link is followed to what it names
            let target = dir.path().join("target");
            std::fs::write(&target, "x").unwrap();
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert_eq!(read_small(&link, 8).unwrap(), "x");
        }
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size(8 * 1024), "8 KiB");
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(300), "300 bytes");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_in_a_0700_directory_appended_and_never_through_a_link() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("confmod").join("audit.jsonl");
        open_private_append(&path)
            .unwrap()
            .write_all(b"one\n")
            .unwrap();
        open_private_append(&path)
            .unwrap()
            .write_all(b"two\n")
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(path.parent().unwrap().parent().unwrap()), 0o700);
        assert_eq!(
            std::io::read_to_string(open_regular_nofollow(&path).unwrap()).unwrap(),
            "one\ntwo\n"
        );

        // a link in the file's place is refused, and what it names is untouched
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "precious\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = open_private_append(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        let err = open_regular_nofollow(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
        // so are a directory and a FIFO (without blocking)
        assert!(open_private_append(dir.path()).is_err());
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let err = open_private_append(&fifo).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
