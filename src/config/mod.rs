//! One resolved configuration from flags, environment, config file and defaults
//! (in that order of precedence).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::{ConsoleArgs, GlobalArgs};
pub use crate::error::{UsageError, usage};

mod sim;
use crate::files::{CONFIG_FILE_LIMIT, KEY_FILE_LIMIT, ReadError, read_small};
use crate::telnyx::{ApiKey, ClientConfig, DEFAULT_BASE_URL, HoldMusic, ListingLimits};
pub use sim::{demo_config, sim_config};

/// The config file. It never holds the key itself, only where to read it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub base_url: Option<String>,
    pub api_key_file: Option<PathBuf>,
    pub timeout: Option<f64>,
    pub max_retries: Option<u32>,
    pub refresh: Option<f64>,
    pub log_file: Option<PathBuf>,
    pub read_only: Option<bool>,
    /// Writes in flight at once in bulk changes (the console and `update`).
    pub concurrency: Option<u32>,
    /// What participants put on hold hear: an audio file URL ...
    pub hold_audio_url: Option<String>,
    /// ... or a file uploaded to Telnyx's media storage (never both).
    pub hold_media_name: Option<String>,
    /// The most items one listing holds.
    pub max_listing_items: Option<usize>,
    /// The most memory one listing's items take, in MiB.
    pub max_listing_mib: Option<usize>,
    /// The audit journal (a team may share one).
    pub audit_file: Option<PathBuf>,
    /// The longest wait a server's rate limit may impose, in seconds.
    pub rate_limit_max_wait: Option<f64>,
    /// Pages of one listing requested at once.
    pub page_concurrency: Option<usize>,
}

/// The most writes in flight at once a bulk change may ask for.
pub const MAX_CONCURRENCY: u32 = 64;
/// The range of `page_concurrency`.
const PAGE_CONCURRENCY: std::ops::RangeInclusive<usize> = 1..=32;
/// The longest hold music URL or media name accepted.
const MAX_HOLD_MUSIC: usize = 2048;
/// The range of `max_listing_items`.
const LISTING_ITEMS: std::ops::RangeInclusive<usize> = 1..=10_000_000;
/// The range of `max_listing_mib`.
const LISTING_MIB: std::ops::RangeInclusive<usize> = 1..=16_384;

/// Everything resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub base_url: String,
    pub api_key_file: Option<PathBuf>,
    pub timeout: Duration,
    pub max_retries: u32,
    pub refresh: Duration,
    pub log_file: PathBuf,
    /// The log file is the default one: its directory is confmod's own
    /// (kept private), not one the user chose.
    pub log_file_default: bool,
    pub read_only: bool,
    pub concurrency: u32,
    pub hold_music: Option<HoldMusic>,
    pub listing_limits: ListingLimits,
    pub audit_file: PathBuf,
    /// Whether `audit_file` is confmod's own default place (else one the
    /// user named, maybe for a team to share).
    pub audit_file_default: bool,
    /// The longest a server's rate limit makes confmod wait: one
    /// `Retry-After` of a retry, and the pauses of one participant in a
    /// bulk update.
    pub rate_limit_max_wait: Duration,
    /// Pages of one listing requested at once (once the first page has told
    /// how many there are).
    pub page_concurrency: usize,
}

/// The environment, as a function so tests can pass their own.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

fn home(env: &dyn Env) -> Option<PathBuf> {
    env.var("HOME").map(PathBuf::from)
}

/// `$XDG_CONFIG_HOME/confmod/config.toml` (or `~/.config/...`).
pub fn default_config_path(env: &dyn Env) -> Option<PathBuf> {
    let base = env
        .var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home(env).map(|h| h.join(".config")))?;
    Some(base.join("confmod").join("config.toml"))
}

/// `$XDG_STATE_HOME/confmod` (or `~/.local/state/confmod`; when there is
/// no home, `confmod-<uid>` in the temporary directory, a directory of this
/// user's own): the log file and the audit journal.
pub fn state_dir(env: &dyn Env) -> PathBuf {
    let state = env
        .var("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home(env).map(|h| h.join(".local").join("state")));
    match state {
        Some(state) => state.join("confmod"),
        None => std::env::temp_dir().join(format!("confmod-{}", user_id())),
    }
}

/// `$XDG_STATE_HOME/confmod/confmod.log`.
pub fn default_log_path(env: &dyn Env) -> PathBuf {
    state_dir(env).join("confmod.log")
}

/// The user the process runs as, to name its own temporary directory.
fn user_id() -> String {
    #[cfg(unix)]
    {
        rustix::process::geteuid().as_raw().to_string()
    }
    #[cfg(not(unix))]
    {
        std::env::var("USERNAME").unwrap_or_else(|_| "user".into())
    }
}

/// Reads the config file: the explicit one must exist; the default one may
/// not. Either must be a regular file of at most 64 KiB.
pub fn read_file_config(explicit: Option<&Path>, env: &dyn Env) -> Result<FileConfig, UsageError> {
    let (path, required) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_config_path(env) {
            Some(p) => (p, false),
            None => return Ok(FileConfig::default()),
        },
    };
    let text = match read_small(&path, CONFIG_FILE_LIMIT) {
        Ok(t) => t,
        Err(ReadError::NotFound) if !required => return Ok(FileConfig::default()),
        Err(e) => {
            return Err(usage(format!(
                "cannot read config file {}: {e}",
                path.display()
            )));
        }
    };
    parse_file_config(&text).map_err(|e| usage(format!("config file {}: {e}", path.display())))
}

/// Parses a config file. The error names the line and the problem but never
/// quotes the file: a misplaced key must not end up on screen or in a log.
pub fn parse_file_config(text: &str) -> Result<FileConfig, String> {
    toml::from_str(text).map_err(|e| redact_quoted(&toml_error(text, &e)))
}

/// Replaces what a parser message quotes from the file (`"a value"`,
/// `` `a key` ``) by `…`, unless it reads like a config key (lower-case
/// letters and `_`): `invalid type: string "KEY…"` must not show the key.
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        let mut quoted = String::new();
        let mut escaped = false;
        for q in chars.by_ref() {
            if q == c && !escaped {
                break;
            }
            escaped = c == '"' && q == '\\' && !escaped;
            quoted.push(q);
        }
        let keyish =
            quoted.len() <= 24 && quoted.chars().all(|q| q.is_ascii_lowercase() || q == '_');
        out.push_str(if keyish && !quoted.is_empty() {
            &quoted
        } else {
            "…"
        });
        out.push(c);
    }
    out
}

/// `line 3: unknown field ...`, without the source excerpt.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = crate::sanitize::sanitize_line(e.message(), 200);
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

fn secs(name: &str, v: f64, min: f64, max: f64) -> Result<Duration, UsageError> {
    if v.is_finite() && v >= min && v <= max {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(usage(format!(
            "{name} must be between {min} and {max} seconds, not {v}"
        )))
    }
}

/// Flags (with their env vars, read by clap) over the config file over defaults.
pub fn resolve(
    global: &GlobalArgs,
    console: &ConsoleArgs,
    env: &dyn Env,
) -> Result<Settings, UsageError> {
    let file = read_file_config(global.config.as_deref(), env)?;
    // an empty TELNYX_BASE_URL= counts as unset, like an empty TELNYX_API_KEY
    let base_url = global
        .base_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or(file.base_url)
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    crate::telnyx::settings::parse_base_url(&base_url).map_err(|e| usage(e.to_string()))?;
    let timeout = secs(
        "timeout",
        global.timeout.or(file.timeout).unwrap_or(15.0),
        0.001,
        600.0,
    )?;
    let refresh = secs(
        "refresh",
        console.refresh.or(file.refresh).unwrap_or(2.0),
        0.5,
        3600.0,
    )?;
    let max_retries = global.max_retries.or(file.max_retries).unwrap_or(2);
    if max_retries > 10 {
        return Err(usage("max_retries must be at most 10"));
    }
    let concurrency = file.concurrency.unwrap_or(8);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        return Err(usage(format!(
            "concurrency must be between 1 and {MAX_CONCURRENCY}"
        )));
    }
    let page_concurrency = file
        .page_concurrency
        .unwrap_or(crate::telnyx::DEFAULT_PAGE_CONCURRENCY);
    if !PAGE_CONCURRENCY.contains(&page_concurrency) {
        return Err(usage(format!(
            "page_concurrency must be between {} and {}",
            PAGE_CONCURRENCY.start(),
            PAGE_CONCURRENCY.end()
        )));
    }
    let hold_music = hold_music(file.hold_audio_url, file.hold_media_name)?;
    let listing_limits = listing_limits(file.max_listing_items, file.max_listing_mib)?;
    let rate_limit_max_wait = secs(
        "rate_limit_max_wait",
        file.rate_limit_max_wait.unwrap_or(60.0),
        0.0,
        3600.0,
    )?;
    Ok(Settings {
        base_url,
        // the flag beats TELNYX_API_KEY, which beats the config file's key file
        api_key_file: global.api_key_file.clone().or_else(|| {
            file.api_key_file
                .filter(|_| env.var("TELNYX_API_KEY").is_none())
        }),
        timeout,
        max_retries,
        refresh,
        log_file_default: console.log_file.is_none() && file.log_file.is_none(),
        log_file: console
            .log_file
            .clone()
            .or(file.log_file)
            .unwrap_or_else(|| default_log_path(env)),
        read_only: global.read_only || file.read_only.unwrap_or(false),
        concurrency,
        hold_music,
        listing_limits,
        audit_file_default: global.audit_file.is_none() && file.audit_file.is_none(),
        audit_file: global
            .audit_file
            .clone()
            .or(file.audit_file)
            .unwrap_or_else(|| crate::audit::default_path(env)),
        rate_limit_max_wait,
        page_concurrency,
    })
}

/// The bounds of one listing from the config file, else the defaults.
fn listing_limits(items: Option<usize>, mib: Option<usize>) -> Result<ListingLimits, UsageError> {
    let defaults = ListingLimits::default();
    let max_items = items.unwrap_or(defaults.max_items);
    if !LISTING_ITEMS.contains(&max_items) {
        return Err(usage(format!(
            "max_listing_items must be between {} and {}",
            LISTING_ITEMS.start(),
            LISTING_ITEMS.end()
        )));
    }
    let max_bytes = match mib {
        None => defaults.max_bytes,
        Some(mib) if LISTING_MIB.contains(&mib) => mib << 20,
        Some(_) => {
            return Err(usage(format!(
                "max_listing_mib must be between {} and {}",
                LISTING_MIB.start(),
                LISTING_MIB.end()
            )));
        }
    };
    Ok(ListingLimits {
        max_items,
        max_bytes,
    })
}

/// Hold music from its two settings: at most one of them (the API refuses
/// both), each non-empty and of a sane length.
pub fn hold_music(
    audio_url: Option<String>,
    media_name: Option<String>,
) -> Result<Option<HoldMusic>, UsageError> {
    let check = |name: &str, value: String| {
        let value = value.trim().to_string();
        if value.is_empty() || value.len() > MAX_HOLD_MUSIC || value.chars().any(char::is_control) {
            Err(usage(format!(
                "{name} must be a non-empty single line of at most {MAX_HOLD_MUSIC} bytes"
            )))
        } else {
            Ok(value)
        }
    };
    match (audio_url, media_name) {
        (Some(_), Some(_)) => Err(usage(
            "hold_audio_url and hold_media_name exclude each other: set one",
        )),
        (Some(url), None) => Ok(Some(HoldMusic::AudioUrl(check("hold_audio_url", url)?))),
        (None, Some(name)) => Ok(Some(HoldMusic::MediaName(check("hold_media_name", name)?))),
        (None, None) => Ok(None),
    }
}

/// The key: from the key file when one is set (a regular file of at most
/// 8 KiB), else `TELNYX_API_KEY`; checked as [`ApiKey::new`] checks it.
pub fn api_key(settings: &Settings, env: &dyn Env) -> Result<ApiKey, UsageError> {
    if let Some(path) = &settings.api_key_file {
        let text = read_small(path, KEY_FILE_LIMIT).map_err(|e| {
            usage(format!(
                "cannot read the API key file {}: {e}",
                path.display()
            ))
        })?;
        return ApiKey::new(&text)
            .map_err(|e| usage(format!("API key file {}: {e}", path.display())));
    }
    match env.var("TELNYX_API_KEY") {
        Some(k) => ApiKey::new(&k).map_err(|e| usage(format!("TELNYX_API_KEY: {e}"))),
        None => Err(usage(
            "no API key: set TELNYX_API_KEY (or pass --api-key-file PATH); to try confmod without an account, run `confmod demo`",
        )),
    }
}

impl Settings {
    pub fn client_config(&self, key: ApiKey) -> ClientConfig {
        ClientConfig {
            timeout: self.timeout,
            max_retries: self.max_retries,
            listing_limits: self.listing_limits,
            max_retry_after: self.rate_limit_max_wait,
            page_concurrency: self.page_concurrency,
            ..ClientConfig::new(&self.base_url, key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn temp_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    /// The settings with a config file of `text` in `dir` and nothing else.
    fn resolve_file(dir: &tempfile::TempDir, text: &str) -> Result<Settings, UsageError> {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let global = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        resolve(&global, &ConsoleArgs::default(), &env(&[]))
    }

    #[test]
    fn defaults_without_file_flags_or_env() {
        let s = resolve(&GlobalArgs::default(), &ConsoleArgs::default(), &env(&[])).unwrap();
        assert_eq!(s.base_url, DEFAULT_BASE_URL);
        assert_eq!(s.timeout, Duration::from_secs(15));
        assert_eq!(s.max_retries, 2);
        assert_eq!(s.refresh, Duration::from_secs(2));
        assert!(!s.read_only);
        assert_eq!(s.rate_limit_max_wait, Duration::from_secs(60));
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let tmp = temp_dir();
        let dir = tmp.path();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "base_url = \"http://127.0.0.1:9/v2\"\ntimeout = 3\nrefresh = 5\n",
        )
        .unwrap();
        let global = GlobalArgs {
            config: Some(path.clone()),
            timeout: Some(7.0),
            ..Default::default()
        };
        let s = resolve(&global, &ConsoleArgs::default(), &env(&[])).unwrap();
        assert_eq!(s.base_url, "http://127.0.0.1:9/v2");
        assert_eq!(s.timeout, Duration::from_secs(7));
        assert_eq!(s.refresh, Duration::from_secs(5));
    }

    #[test]
    fn a_bad_config_file_is_a_clear_usage_error() {
        let tmp = temp_dir();
        let dir = tmp.path();
        let path = dir.join("config.toml");
        std::fs::write(&path, "api_key = \"KEY123\"\n").unwrap();
        let global = GlobalArgs {
            config: Some(path),
            ..Default::default()
        };
        let err = resolve(&global, &ConsoleArgs::default(), &env(&[])).unwrap_err();
        assert!(err.0.contains("unknown field"), "{err}");
        assert!(
            !err.0.contains("KEY123"),
            "the key must not be echoed: {err}"
        );

        let missing = GlobalArgs {
            config: Some(dir.join("nope.toml")),
            ..Default::default()
        };
        assert!(resolve(&missing, &ConsoleArgs::default(), &env(&[])).is_err());
    }

    #[test]
    fn config_errors_never_quote_values_from_the_file() {
        for text in [
            "read_only = \"KEYsecret1\"\n",
            "max_retries = \"KEY\\\"secret1\"\n",
            "\"KEYsecret1\" = 1\n",
            "timeout = 1\nbase_url = 12345678\n",
        ] {
            let err = parse_file_config(text).unwrap_err();
            assert!(err.starts_with("line "), "{err}");
            assert!(
                !err.contains("secret1") && !err.contains("12345678"),
                "{err}"
            );
        }
        let err = parse_file_config("timeout = 1\napi_key = \"KEYsecret1\"\n").unwrap_err();
        assert!(err.contains("line 2: unknown field `api_key`"), "{err}");
        assert!(!err.contains("secret1"), "{err}");
    }

    #[test]
    fn the_environment_key_wins_over_the_config_files_key_file() {
        let tmp = temp_dir();
        let dir = tmp.path();
        let (config, key_file) = (dir.join("config.toml"), dir.join("key"));
        std::fs::write(&key_file, "KEYfromfile\n").unwrap();
        std::fs::write(&config, format!("api_key_file = {:?}\n", key_file)).unwrap();
        let global = GlobalArgs {
            config: Some(config),
            ..Default::default()
        };
        let with_env = env(&[("TELNYX_API_KEY", "KEYfromenv")]);
        let s = resolve(&global, &ConsoleArgs::default(), &with_env).unwrap();
        assert_eq!(api_key(&s, &with_env).unwrap().expose(), "KEYfromenv");
        let s = resolve(&global, &ConsoleArgs::default(), &env(&[])).unwrap();
        assert_eq!(api_key(&s, &env(&[])).unwrap().expose(), "KEYfromfile");
        let flag = GlobalArgs {
            api_key_file: Some(key_file),
            ..global
        };
        let s = resolve(&flag, &ConsoleArgs::default(), &with_env).unwrap();
        assert_eq!(api_key(&s, &with_env).unwrap().expose(), "KEYfromfile");
    }

    #[test]
    fn insecure_base_url_is_refused_at_resolve() {
        let global = GlobalArgs {
            base_url: Some("http://api.example.com/v2".into()),
            ..Default::default()
        };
        let err = resolve(&global, &ConsoleArgs::default(), &env(&[])).unwrap_err();
        assert!(err.0.contains("plain http"), "{err}");
    }

    #[test]
    fn the_key_comes_from_the_file_or_the_environment() {
        let s = resolve(&GlobalArgs::default(), &ConsoleArgs::default(), &env(&[])).unwrap();
        let err = api_key(&s, &env(&[])).unwrap_err();
        assert!(err.0.contains("TELNYX_API_KEY") && err.0.contains("confmod demo"));
        assert_eq!(
            api_key(&s, &env(&[("TELNYX_API_KEY", "KEY1")]))
                .unwrap()
                .expose(),
            "KEY1"
        );

        let tmp = temp_dir();
        let dir = tmp.path();
        let path = dir.join("key");
        std::fs::write(&path, "KEYfromfile\n").unwrap();
        let with_file = Settings {
            api_key_file: Some(path),
            ..s
        };
        let key = api_key(&with_file, &env(&[("TELNYX_API_KEY", "KEY1")])).unwrap();
        assert_eq!(key.expose(), "KEYfromfile");
    }

    #[test]
    fn hold_music_is_one_of_two_settings_never_both() {
        let tmp = temp_dir();
        let resolve_with = |text: &str| resolve_file(&tmp, text);
        let s = resolve_with("hold_media_name = \"lobby_jazz\"\nconcurrency = 4\n").unwrap();
        assert_eq!(
            s.hold_music,
            Some(HoldMusic::MediaName("lobby_jazz".into()))
        );
        assert_eq!(s.concurrency, 4);
        let s = resolve_with("hold_audio_url = \"https://example.com/hold.mp3\"\n").unwrap();
        assert_eq!(
            s.hold_music,
            Some(HoldMusic::AudioUrl("https://example.com/hold.mp3".into()))
        );
        assert_eq!(s.concurrency, 8);
        let both = "hold_audio_url = \"https://x/a.mp3\"\nhold_media_name = \"b\"\n";
        assert!(
            resolve_with(both)
                .unwrap_err()
                .0
                .contains("exclude each other")
        );
        assert!(resolve_with("hold_media_name = \" \"\n").is_err());
        assert!(resolve_with("concurrency = 0\n").is_err());
        assert!(resolve_with("concurrency = 65\n").is_err());
    }

    #[test]
    fn listing_limits_come_from_the_file_within_their_ranges() {
        let tmp = temp_dir();
        let resolve_with = |text: &str| resolve_file(&tmp, text);
        let s = resolve_with("").unwrap();
        assert_eq!(s.listing_limits, ListingLimits::default());
        let s = resolve_with("max_listing_items = 500\nmax_listing_mib = 8\n").unwrap();
        assert_eq!(
            s.listing_limits,
            ListingLimits {
                max_items: 500,
                max_bytes: 8 << 20
            }
        );
        assert_eq!(
            s.client_config(ApiKey::new("k").unwrap()).listing_limits,
            s.listing_limits
        );
        for bad in [
            "max_listing_items = 0",
            "max_listing_mib = 0",
            "max_listing_mib = 20000",
        ] {
            let err = resolve_with(bad).unwrap_err();
            assert!(err.0.contains("max_listing_"), "{err}");
        }
    }

    #[test]
    fn page_concurrency_comes_from_the_file_within_its_range() {
        let tmp = temp_dir();
        let resolve_with = |text: &str| resolve_file(&tmp, text);
        assert_eq!(resolve_with("").unwrap().page_concurrency, 16);
        let s = resolve_with("page_concurrency = 32\n").unwrap();
        assert_eq!(s.page_concurrency, 32);
        assert_eq!(
            s.client_config(ApiKey::new("k").unwrap()).page_concurrency,
            32
        );
        assert_eq!(
            resolve_with("page_concurrency = 1\n")
                .unwrap()
                .page_concurrency,
            1
        );
        for bad in ["page_concurrency = 0", "page_concurrency = 33"] {
            let err = resolve_with(bad).unwrap_err();
            assert!(
                err.0.contains("page_concurrency must be between 1 and 32"),
                "{err}"
            );
        }
    }

    #[test]
    fn without_a_home_the_log_goes_in_a_directory_of_this_users_own() {
        let path = default_log_path(&env(&[]));
        let uid = rustix::process::geteuid().as_raw();
        assert_eq!(
            path,
            std::env::temp_dir()
                .join(format!("confmod-{uid}"))
                .join("confmod.log")
        );
        let s = resolve(&GlobalArgs::default(), &ConsoleArgs::default(), &env(&[])).unwrap();
        assert!(s.log_file_default);
        let chosen = ConsoleArgs {
            log_file: Some("/x/y.log".into()),
            ..Default::default()
        };
        let s = resolve(&GlobalArgs::default(), &chosen, &env(&[])).unwrap();
        assert!(!s.log_file_default);
    }

    #[test]
    fn xdg_paths() {
        let e = env(&[("HOME", "/home/op"), ("XDG_STATE_HOME", "/state")]);
        assert_eq!(
            default_log_path(&e),
            PathBuf::from("/state/confmod/confmod.log")
        );
        assert_eq!(
            default_config_path(&e),
            Some(PathBuf::from("/home/op/.config/confmod/config.toml"))
        );
    }
}
