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
            super::log_tests::make_fifo(&fifo);
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
}

/// Why a private file (the log, the audit journal) was not opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The log's directory, or the file, is a symbolic link.
    Symlink(std::path::PathBuf),
    /// Not a directory, not a regular file, or a file with other names.
    NotPlain(std::path::PathBuf),
    /// Owned by another user.
    NotOurs(std::path::PathBuf),
    Io(std::path::PathBuf, io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Symlink(p) => write!(f, "{} is a symbolic link", p.display()),
            OpenError::NotPlain(p) => write!(
                f,
                "{} is not a plain directory or file of its own",
                p.display()
            ),
            OpenError::NotOurs(p) => write!(f, "{} belongs to another user", p.display()),
            OpenError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// Where a private file is, which says how strictly its place is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// confmod's own default place (in a shared temporary directory when
    /// there is no home): the directory must be a real one of the user's,
    /// made `0700`; the file the user's own, with one name, made `0600`.
    Default,
    /// A path the user named: its directory is left as it is; the file is
    /// checked as in the default place.
    Named,
    /// A file the user named for a team to share (the audit journal): a
    /// regular file, never opened through a symbolic link, created `0600`
    /// when missing; its owner and mode are the team's business.
    Shared,
}

/// The place of a log: the default one, or one the user named.
pub(crate) fn place(default: bool) -> Place {
    if default {
        Place::Default
    } else {
        Place::Named
    }
}

/// Opens a private file to append to it, safely in a directory others can
/// write to:
///
/// - the file is never opened through a symbolic link (`O_NOFOLLOW`): a
///   link planted in its place is refused, not followed;
/// - it must be a regular file of the current user with no other name (a
///   FIFO is refused without blocking, a hard link to another file too);
/// - it is created `0600`, and an existing one others can read is made so;
/// - its directory is created `0700` when missing. In the [`Place::Default`]
///   place, an existing directory must be a real directory of the current
///   user, and is made `0700`; a directory given by the user is left as it is;
/// - a [`Place::Shared`] file is only required to be a regular file.
pub(crate) fn open_private(path: &Path, place: Place) -> Result<File, OpenError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    prepare_dir(dir, place == Place::Default)?;
    let io_err = |e: io::Error| OpenError::Io(path.to_path_buf(), e);
    let file = open_append(path).map_err(|e| {
        if is_symlink(path) {
            OpenError::Symlink(path.to_path_buf())
        } else {
            io_err(e)
        }
    })?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(OpenError::NotPlain(path.to_path_buf()));
    }
    if place == Place::Shared {
        return Ok(file);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(OpenError::NotOurs(path.to_path_buf()));
        }
        if meta.nlink() > 1 {
            return Err(OpenError::NotPlain(path.to_path_buf()));
        }
        if meta.mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io_err)?;
        }
    }
    Ok(file)
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Appends, creating it `0600`, never through a symbolic link, never
/// blocking on a FIFO.
fn open_append(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    options.open(path)
}

/// The log's directory: created `0700` when missing; when `private`, an
/// existing one must be a real directory of the current user, made `0700`.
fn prepare_dir(dir: &Path, private: bool) -> Result<(), OpenError> {
    let io_err = |e: io::Error| OpenError::Io(dir.to_path_buf(), e);
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(io_err)?;
            }
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            match builder.create(dir) {
                Ok(()) => {}
                // made meanwhile (another confmod): checked below
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io_err(e)),
            }
            std::fs::symlink_metadata(dir).map_err(io_err)?
        }
        Err(e) => return Err(io_err(e)),
    };
    if !private {
        return Ok(());
    }
    if meta.file_type().is_symlink() {
        return Err(OpenError::Symlink(dir.to_path_buf()));
    }
    if !meta.is_dir() {
        return Err(OpenError::NotPlain(dir.to_path_buf()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(OpenError::NotOurs(dir.to_path_buf()));
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_err)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod log_tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o777
    }

    /// A FIFO at `path`, 0600.
    pub(super) fn make_fifo(path: &Path) {
        let mode = rustix::fs::Mode::from_raw_mode(0o600);
        rustix::fs::mknodat(rustix::fs::CWD, path, rustix::fs::FileType::Fifo, mode, 0).unwrap();
    }

    #[test]
    fn the_log_is_created_0600_in_a_private_0700_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state").join("confmod");
        let log = dir.join("confmod.log");
        let mut file = open_private(&log, Place::Default).unwrap();
        use std::io::Write;
        writeln!(file, "one").unwrap();
        assert_eq!((mode(&dir), mode(&log)), (0o700, 0o600));
        // appended to, not truncated
        writeln!(open_private(&log, Place::Default).unwrap(), "two").unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "one\ntwo\n");
    }

    #[test]
    fn an_open_log_and_its_default_directory_are_made_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("confmod");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let log = dir.join("confmod.log");
        std::fs::write(&log, "old\n").unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_private(&log, Place::Default).unwrap();
        assert_eq!((mode(&dir), mode(&log)), (0o700, 0o600));
        // a directory the user chose is left as it is
        let chosen = tmp.path().join("chosen");
        std::fs::create_dir(&chosen).unwrap();
        std::fs::set_permissions(&chosen, std::fs::Permissions::from_mode(0o755)).unwrap();
        open_private(&chosen.join("x.log"), Place::Named).unwrap();
        assert_eq!(mode(&chosen), 0o755);
        assert_eq!(mode(&chosen.join("x.log")), 0o600);
    }

    #[test]
    fn a_planted_symlink_is_refused_and_its_target_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "precious\n").unwrap();
        // the log file is a link
        let dir = tmp.path().join("confmod");
        std::fs::create_dir(&dir).unwrap();
        let log = dir.join("confmod.log");
        symlink(&target, &log).unwrap();
        for place in [Place::Default, Place::Named, Place::Shared] {
            let err = open_private(&log, place).unwrap_err();
            assert!(matches!(err, OpenError::Symlink(_)), "{err}");
        }
        // the default directory is a link
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let linked = tmp.path().join("linked");
        symlink(&elsewhere, &linked).unwrap();
        let err = open_private(&linked.join("confmod.log"), Place::Default).unwrap_err();
        assert!(matches!(err, OpenError::Symlink(_)), "{err}");
        assert!(!elsewhere.join("confmod.log").exists());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    }

    #[test]
    fn a_directory_or_log_of_another_user_is_refused() {
        // only root can make a file another user's
        if !rustix::process::geteuid().is_root() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let theirs = tmp.path().join("confmod");
        std::fs::create_dir(&theirs).unwrap();
        std::os::unix::fs::chown(&theirs, Some(4242), None).unwrap();
        let err = open_private(&theirs.join("confmod.log"), Place::Default).unwrap_err();
        assert!(matches!(err, OpenError::NotOurs(_)), "{err}");
        let log = tmp.path().join("theirs.log");
        std::fs::write(&log, "").unwrap();
        std::os::unix::fs::chown(&log, Some(4242), None).unwrap();
        let err = open_private(&log, Place::Named).unwrap_err();
        assert!(matches!(err, OpenError::NotOurs(_)), "{err}");
    }

    #[test]
    fn a_fifo_or_a_hard_link_is_not_a_log() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo.log");
        make_fifo(&fifo);
        assert!(open_private(&fifo, Place::Named).is_err());
        let other = tmp.path().join("other");
        std::fs::write(&other, "x").unwrap();
        let linked = tmp.path().join("linked.log");
        std::fs::hard_link(&other, &linked).unwrap();
        let err = open_private(&linked, Place::Named).unwrap_err();
        assert!(matches!(err, OpenError::NotPlain(_)), "{err}");
        assert_eq!(std::fs::metadata(&other).unwrap().nlink(), 2);
    }

    #[test]
    fn a_shared_file_keeps_its_owner_and_mode_but_never_follows_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let journal = tmp.path().join("team").join("audit.jsonl");
        // created 0600 in a 0700 directory when missing
        open_private(&journal, Place::Shared).unwrap();
        assert_eq!(
            (mode(journal.parent().unwrap()), mode(&journal)),
            (0o700, 0o600)
        );
        // a team's file keeps the mode and owner the team gave it
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o660)).unwrap();
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(&journal, Some(4242), Some(4242)).unwrap();
        }
        use std::io::Write;
        writeln!(open_private(&journal, Place::Shared).unwrap(), "entry").unwrap();
        assert_eq!(mode(&journal), 0o660);
        assert_eq!(std::fs::read_to_string(&journal).unwrap(), "entry\n");
        // never through a link, never a FIFO
        let link = tmp.path().join("link.jsonl");
        symlink(&journal, &link).unwrap();
        let err = open_private(&link, Place::Shared).unwrap_err();
        assert!(matches!(err, OpenError::Symlink(_)), "{err}");
        let fifo = tmp.path().join("fifo.jsonl");
        make_fifo(&fifo);
        assert!(open_private(&fifo, Place::Shared).is_err());
    }
}
