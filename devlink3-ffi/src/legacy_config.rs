//! How a legacy link is configured when the application cannot be changed: an unchanged
//! EXE passes only an address and a password to `DLOpen`.
//!
//! Three layers, each overriding the one before:
//! 1. `devlink.ini`, in the folder of the loaded `devlink.dll` / `libdevlink.so` (found
//!    from the library's own address), or the file `DEVLINK3_CONFIG` names (empty: none);
//! 2. environment variables `DEVLINK3_<KEY>` (`DEVLINK3_USER`, `DEVLINK3_PORT`...);
//! 3. `DLOpen`'s `reserved1` (the user) and `reserved2` (`key=value;...`).
//!
//! The keys are [`LEGACY_KEYS`] and every option key of `reserved2` (`options::KEYS`).
//! In the file, relative paths are relative to the file's folder. Every mistake is
//! collected with where it was (file and line, variable, `reserved2`) and its key.

use std::path::{Path, PathBuf};

use devlink3_core::ConfigError;
use devlink3_core::transport::Scheme;

use crate::logging::{LogSettings, parse_level};
use crate::options::{KEYS, LinkSettings, entries};

/// The file's name, beside the library.
pub(crate) const FILE_NAME: &str = "devlink.ini";
/// The environment variable naming the file instead (empty: read none).
pub(crate) const CONFIG_ENV: &str = "DEVLINK3_CONFIG";
/// The section the library reads; others are left to other programs.
const SECTION: &str = "devlink";
/// Keys only the legacy API has (the extended API takes these as arguments).
pub(crate) const LEGACY_KEYS: &[&str] = &["user", "transport", "port", "log_file", "log_level"];
/// Keys whose values are paths, resolved against the folder of the file they are in.
const PATH_KEYS: &[&str] = &["tls_ca", "tls_cert", "tls_key", "log_file"];

/// Where a setting came from, for messages.
#[derive(Debug, Clone)]
pub(crate) enum Source<'a> {
    File { path: &'a Path, line: usize },
    Env(&'a str),
    Reserved2,
}

impl std::fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File { path, line } => write!(f, "{} line {line}", path.display()),
            Source::Env(name) => write!(f, "environment variable {name}"),
            Source::Reserved2 => f.write_str("reserved2"),
        }
    }
}

/// A legacy link's settings, as the layers left them.
pub(crate) struct LegacyConfig {
    pub settings: LinkSettings,
    pub user: Option<String>,
    pub transport: Option<Scheme>,
    pub port: Option<u16>,
    pub log: LogSettings,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    /// Every mistake found, each naming where it is: the link is not opened if any.
    pub errors: Vec<String>,
}

impl LegacyConfig {
    pub fn new(settings: LinkSettings) -> Self {
        LegacyConfig {
            settings,
            user: None,
            transport: None,
            port: None,
            log: LogSettings::default(),
            file: None,
            errors: Vec::new(),
        }
    }

    /// Layers 1 and 2: the file (if there is one) and the environment, read with `env`.
    pub fn load(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        match locate(env) {
            Ok(Some(path)) => match std::fs::read(&path) {
                Ok(bytes) => self.read_file(&path, &bytes),
                Err(e) => self.errors.push(format!("{}: cannot read it: {e}", path.display())),
            },
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
        for key in LEGACY_KEYS.iter().chain(KEYS) {
            let name = env_name(key);
            if let Some(value) = env(&name) {
                self.set(key, &value, &Source::Env(&name));
            }
        }
    }

    /// Layer 3's `reserved2`.
    pub fn apply_reserved2(&mut self, options: &str) {
        for (key, value) in entries(options) {
            self.set(&key, value, &Source::Reserved2);
        }
    }

    /// Reads a configuration file's text: UTF-8 with or without a BOM, CRLF or LF lines,
    /// `;` or `#` comments, `[section]` headers, `key = value` lines (values may be quoted).
    pub fn read_file(&mut self, path: &Path, bytes: &[u8]) {
        self.file = Some(path.to_path_buf());
        if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            self.errors
                .push(format!("{}: saved as UTF-16; save it as UTF-8 (or ANSI, if it is all ASCII)", path.display()));
            return;
        }
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut section: Option<String> = None;
        for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let source = Source::File { path, line: index + 1 };
            let Ok(line) = std::str::from_utf8(line) else {
                self.errors.push(format!("{source}: not UTF-8 text; save the file as UTF-8"));
                continue;
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            if let Some(header) = line.strip_prefix('[') {
                match header.strip_suffix(']') {
                    Some(name) => section = Some(name.trim().to_ascii_lowercase()),
                    None => self.errors.push(format!("{source}: {line:?}: a section header needs its closing ']'")),
                }
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                self.errors.push(format!("{source}: {line:?}: expected \"key = value\", a [section] or a ; comment"));
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            match section.as_deref() {
                Some(SECTION) => {}
                Some(_) => continue,
                None => {
                    self.errors.push(format!("{source}: {key}: outside any section; put it under [{SECTION}]"));
                    continue;
                }
            }
            let value = unquote(value.trim());
            if PATH_KEYS.contains(&key.as_str()) && !value.is_empty() {
                let resolved = dir.join(value);
                self.set(&key, &resolved.to_string_lossy(), &source);
            } else {
                self.set(&key, value, &source);
            }
        }
    }

    /// Sets one key; a mistake is recorded with its source and key.
    fn set(&mut self, key: &str, value: &str, source: &Source<'_>) {
        if let Err(e) = self.try_set(key, value) {
            self.errors.push(format!("{source}: {key}: {e}"));
        }
    }

    fn try_set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "user" if value.is_empty() => return Err("needs a value (the IP Office service user name)".into()),
            "user" => self.user = Some(value.to_string()),
            "transport" => {
                self.transport = Some(match value.to_ascii_lowercase().as_str() {
                    "tcp" => Scheme::Tcp,
                    "tls" => Scheme::Tls,
                    "ws" => Scheme::Ws,
                    "wss" => Scheme::Wss,
                    _ => return Err(format!("{value:?}: expected tcp, tls, ws or wss")),
                })
            }
            "port" => {
                self.port = Some(
                    value
                        .parse::<u16>()
                        .ok()
                        .filter(|port| *port != 0)
                        .ok_or_else(|| format!("{value:?}: expected a port number, 1 to 65535"))?,
                )
            }
            "log_file" => self.log.file = (!value.is_empty()).then(|| PathBuf::from(value)),
            "log_level" => self.log.level = Some(parse_level(value)?),
            _ if KEYS.contains(&key) => self.settings.set(key, value).map_err(|e| without_key(key, e))?,
            _ => {
                let known: Vec<&str> = LEGACY_KEYS.iter().chain(KEYS).copied().collect();
                return Err(format!("unknown key (known: {})", known.join(", ")));
            }
        }
        Ok(())
    }
}

/// `DEVLINK3_TLS_PIN` for `tls_pin`.
pub(crate) fn env_name(key: &str) -> String {
    format!("DEVLINK3_{}", key.to_ascii_uppercase())
}

/// An option's message without its key when it names it (`tls_pin: ...`): the caller
/// names the key once.
fn without_key(key: &str, error: ConfigError) -> String {
    match error {
        ConfigError::Option { option, reason } if option == key => reason,
        other => other.to_string(),
    }
}

/// A value without the double quotes around it, if it has them (Windows paths with spaces).
fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
}

/// The configuration file to read: `DEVLINK3_CONFIG`'s (which must exist), or
/// `devlink.ini` beside the library if there is one.
fn locate(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<PathBuf>, String> {
    match env(CONFIG_ENV) {
        Some(path) if path.is_empty() => Ok(None),
        Some(path) => {
            let path = PathBuf::from(path);
            if path.exists() { Ok(Some(path)) } else { Err(format!("{CONFIG_ENV}={}: no such file", path.display())) }
        }
        None => Ok(library_dir().map(|dir| dir.join(FILE_NAME)).filter(|path| path.exists())),
    }
}

/// The environment as [`LegacyConfig::load`] reads it; a value that is not Unicode is
/// passed on as it converts, so that the key's check names it.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
}

/// The folder of the file this library was loaded from (`devlink.dll`, `libdevlink.so`,
/// or the executable it is linked into).
pub(crate) fn library_dir() -> Option<PathBuf> {
    library_path().and_then(|path| path.parent().map(Path::to_path_buf))
}

/// This library's module handle (`devlink.dll`), from an address inside it; with `pin`,
/// the module also stays loaded until the process ends (`FreeLibrary` no longer unloads it).
#[cfg(windows)]
pub(crate) fn own_module(pin: bool) -> Option<*mut std::ffi::c_void> {
    const PIN: u32 = 0x1;
    const UNCHANGED_REFCOUNT: u32 = 0x2;
    const FROM_ADDRESS: u32 = 0x4;
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetModuleHandleExW(flags: u32, name: *const u16, module: *mut *mut std::ffi::c_void) -> i32;
    }
    static ANCHOR: u8 = 0;
    let flags = FROM_ADDRESS | if pin { PIN } else { UNCHANGED_REFCOUNT };
    let mut module = std::ptr::null_mut();
    // SAFETY: FROM_ADDRESS takes any address inside the module (ours); the handle is not
    // reference-counted (or pinned), so nothing to free.
    (unsafe { GetModuleHandleExW(flags, (&raw const ANCHOR).cast(), &mut module) } != 0).then_some(module)
}

#[cfg(windows)]
fn library_path() -> Option<PathBuf> {
    use std::os::windows::ffi::OsStringExt;

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetModuleFileNameW(module: *mut std::ffi::c_void, name: *mut u16, size: u32) -> u32;
    }
    let module = own_module(false)?;
    let mut name = vec![0u16; 1024];
    loop {
        let size = u32::try_from(name.len()).ok()?;
        // SAFETY: `name` has `size` writable elements.
        let len = unsafe { GetModuleFileNameW(module, name.as_mut_ptr(), size) } as usize;
        if len == 0 {
            return None;
        }
        if len < name.len() {
            return Some(std::ffi::OsString::from_wide(&name[..len]).into());
        }
        // Truncated: long paths (\\?\...) go up to 32767 characters.
        if name.len() >= 32_768 {
            return None;
        }
        name.resize(name.len() * 2, 0);
    }
}

#[cfg(unix)]
fn library_path() -> Option<PathBuf> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;

    static ANCHOR: u8 = 0;
    // SAFETY: dladdr only reads the address and fills `info`; zeroed is a valid Dl_info.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    if unsafe { libc::dladdr((&raw const ANCHOR).cast(), &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dladdr succeeded, so dli_fname is a NUL-terminated path owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(name.to_bytes()));
    // A path relative to the working directory at load time; good enough when unchanged.
    Some(if path.is_absolute() { path } else { std::env::current_dir().ok()?.join(path) })
}

#[cfg(not(any(windows, unix)))]
fn library_path() -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Records;

    fn config() -> LegacyConfig {
        LegacyConfig::new(LinkSettings::new("", "", "pw", Records::Delta2))
    }

    fn read(text: &[u8]) -> LegacyConfig {
        let mut c = config();
        c.read_file(Path::new("/etc/devlink/devlink.ini"), text);
        c
    }

    #[test]
    fn a_file_with_bom_crlf_comments_quotes_and_other_sections() {
        let c = read(
            b"\xef\xbb\xbf; devlink.ini\r\n[other]\r\nuser = not me\r\n\r\n[DevLink]\r\n  User = cti \r\n\
              transport=TLS\r\nport=50800\r\n# a comment\r\ntls_ca=\"ca dir/ca.pem\"\r\ntext=utf8\r\n\
              log_file=logs\\devlink.log\r\nlog_level=debug\r\nflags=-SCN\r\ntimeout=3",
        );
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.user.as_deref(), Some("cti"));
        assert_eq!(c.transport, Some(Scheme::Tls));
        assert_eq!(c.port, Some(50800));
        assert_eq!(c.settings.config.tls.ca_file.as_deref(), Some(Path::new("/etc/devlink/ca dir/ca.pem")));
        assert_eq!(c.log.file.as_deref(), Some(Path::new("/etc/devlink/logs\\devlink.log")));
        assert_eq!(c.log.level, Some(log::LevelFilter::Debug));
        assert_eq!(c.settings.event_flags(Records::Delta2), "-CD2 -SCN");
        assert_eq!(c.settings.config.connect_timeout, std::time::Duration::from_secs(3));
        assert_eq!(c.file.as_deref(), Some(Path::new("/etc/devlink/devlink.ini")));
    }

    #[test]
    fn an_empty_file_and_lf_lines() {
        assert!(read(b"").errors.is_empty());
        let c = read(b"[devlink]\nuser=a\n");
        assert_eq!((c.user.as_deref(), c.errors.len()), (Some("a"), 0));
    }

    #[test]
    fn every_bad_line_is_named_with_its_line_and_key() {
        let c = read(
            b"user=early\n[devlink]\ncolour=blue\nport=99999\ntransport=udp\nlog_level=loud\njust words\n[broken\n\
              tls_pin=abc\nqueue=0\nuser=\nok=\xff\n",
        );
        let expected = [
            "/etc/devlink/devlink.ini line 1: user: outside any section; put it under [devlink]",
            "/etc/devlink/devlink.ini line 3: colour: unknown key (known: user, transport, port, log_file, log_level, app,",
            "/etc/devlink/devlink.ini line 4: port: \"99999\": expected a port number, 1 to 65535",
            "/etc/devlink/devlink.ini line 5: transport: \"udp\": expected tcp, tls, ws or wss",
            "/etc/devlink/devlink.ini line 6: log_level: \"loud\": expected off, error, warn, info, debug or trace",
            "/etc/devlink/devlink.ini line 7: \"just words\": expected \"key = value\"",
            "/etc/devlink/devlink.ini line 8: \"[broken\": a section header needs its closing ']'",
            "/etc/devlink/devlink.ini line 9: tls_pin: ",
            "/etc/devlink/devlink.ini line 10: queue: queue capacity 0 is out of range",
            "/etc/devlink/devlink.ini line 11: user: needs a value",
            "/etc/devlink/devlink.ini line 12: not UTF-8 text; save the file as UTF-8",
        ];
        assert_eq!(c.errors.len(), expected.len(), "{:#?}", c.errors);
        for (error, want) in c.errors.iter().zip(expected) {
            assert!(error.starts_with(want), "{error:?} should start with {want:?}");
        }
        assert!(c.errors[7].contains("64 hex digits"), "{}", c.errors[7]);
    }

    proptest::proptest! {
        /// Whatever a file holds, reading it neither panics nor fails silently: each
        /// mistake names the file and a line that exists.
        #[test]
        fn any_bytes_are_read_or_named(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let c = read(&bytes);
            let lines = bytes.split(|&b| b == b'\n').count();
            for error in &c.errors {
                proptest::prop_assert!(error.starts_with("/etc/devlink/devlink.ini"), "{}", error);
                if let Some(rest) = error.strip_prefix("/etc/devlink/devlink.ini line ") {
                    let line: usize = rest.split(':').next().unwrap().parse().unwrap();
                    proptest::prop_assert!((1..=lines).contains(&line), "{}", error);
                }
            }
        }

        /// Lines of known keys with any printable value: a value is taken or refused by name.
        #[test]
        fn any_value_of_a_known_key_is_taken_or_named(key in proptest::sample::select(LEGACY_KEYS.iter().chain(KEYS).copied().collect::<Vec<_>>()), value in "[ -~]{0,40}") {
            let c = read(format!("[devlink]\r\n{key} = {value}\r\n").as_bytes());
            for error in &c.errors {
                proptest::prop_assert!(error.starts_with(&format!("/etc/devlink/devlink.ini line 2: {key}: ")), "{}", error);
            }
        }
    }

    #[test]
    fn utf16_is_refused_by_name() {
        let c = read(b"\xff\xfe[\x00d\x00");
        assert_eq!(c.errors.len(), 1);
        assert!(c.errors[0].contains("saved as UTF-16; save it as UTF-8"), "{:?}", c.errors);
    }

    #[test]
    fn the_environment_overrides_the_file_and_reserved2_overrides_both() {
        let dir = std::env::temp_dir().join(format!("devlink3-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(FILE_NAME);
        std::fs::write(&file, "[devlink]\nuser=file\nport=1\ntimeout=7\napp=from file\n").unwrap();
        let path = file.to_string_lossy().into_owned();
        let env = |name: &str| match name {
            CONFIG_ENV => Some(path.clone()),
            "DEVLINK3_USER" => Some("env".to_string()),
            "DEVLINK3_PORT" => Some("2".to_string()),
            "DEVLINK3_TIMEOUT" => Some("8".to_string()),
            _ => None,
        };
        let mut c = config();
        c.load(&env);
        c.apply_reserved2("timeout=9; log_level=off");
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert_eq!(c.user.as_deref(), Some("env"));
        assert_eq!(c.port, Some(2));
        assert_eq!(c.settings.config.connect_timeout, std::time::Duration::from_secs(9));
        assert_eq!(c.settings.config.application_name, "from file");
        assert_eq!(c.log.level, Some(log::LevelFilter::Off));

        let bad_env = |name: &str| (name == "DEVLINK3_PORT").then(|| "x".to_string()).or(env(name));
        let mut c = config();
        c.load(&bad_env);
        assert_eq!(c.errors, ["environment variable DEVLINK3_PORT: port: \"x\": expected a port number, 1 to 65535"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_named_file_must_exist_and_be_readable() {
        let dir = std::env::temp_dir().join(format!("devlink3-config-dir-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(FILE_NAME)).unwrap();
        let missing = dir.join("missing.ini").to_string_lossy().into_owned();
        let mut c = config();
        c.load(&|name: &str| (name == CONFIG_ENV).then(|| missing.clone()));
        assert_eq!(c.errors, [format!("{CONFIG_ENV}={missing}: no such file")]);

        // A folder where the file should be: it exists and cannot be read.
        let unreadable = dir.join(FILE_NAME).to_string_lossy().into_owned();
        let mut c = config();
        c.load(&|name: &str| (name == CONFIG_ENV).then(|| unreadable.clone()));
        assert_eq!(c.errors.len(), 1);
        assert!(c.errors[0].starts_with(&format!("{unreadable}: cannot read it: ")), "{:?}", c.errors);

        let mut c = config();
        c.load(&|name: &str| (name == CONFIG_ENV).then(String::new));
        assert!(c.errors.is_empty() && c.file.is_none(), "an empty DEVLINK3_CONFIG reads no file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_library_knows_its_folder() {
        // Linked into this test executable: its folder.
        let exe = std::env::current_exe().unwrap();
        assert_eq!(library_dir().unwrap().canonicalize().unwrap(), exe.parent().unwrap().canonicalize().unwrap());
    }

    #[test]
    fn every_legacy_key_is_documented_in_devlink_h() {
        let header = include_str!("../../include/devlink.h");
        for key in LEGACY_KEYS {
            assert!(header.contains(&format!(" {key} = ")), "include/devlink.h does not document {key}");
        }
    }

    #[test]
    fn the_sample_file_is_valid_and_documents_every_key() {
        let sample = include_str!("../devlink.ini.sample");
        let c = read(sample.as_bytes());
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        for key in LEGACY_KEYS.iter().chain(KEYS) {
            assert!(sample.contains(&format!("\n; {key} =")), "devlink.ini.sample does not show {key}");
        }
        // Uncommented, every line of the sample is a valid setting too.
        let is_setting =
            |l: &&str| l.split_once(" = ").is_some_and(|(key, _)| KEYS.contains(&key) || LEGACY_KEYS.contains(&key));
        let uncommented: String = sample
            .lines()
            .map(|l| l.strip_prefix("; ").filter(is_setting).unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let c = read(uncommented.as_bytes());
        assert!(c.errors.is_empty(), "{:?}", c.errors);
    }
}
