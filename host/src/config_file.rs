//! `deskpane.toml`: the command's settings from a file (`--config-file FILE`
//! or `DESKPANE_CONFIG_FILE`; not `--config`, which `plugin call` takes for
//! a plugin's settings). Each key is a long option's name and takes the value
//! that option takes (a list for a repeatable one); it becomes the default
//! of the option's `DESKPANE_*` environment variable, so the environment
//! overrides the file and the command line overrides both. One set of
//! names, documented once (docs/deploy.md#configuration).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the settings file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the settings file {path} is not valid TOML: {reason}")]
    Syntax { path: PathBuf, reason: String },
    #[error("the settings file {path} sets `{key}`, which is not a setting; the settings are: {known}")]
    Unknown { path: PathBuf, key: String, known: String },
    #[error("the settings file {path} sets `{key}` to a table; give it a value as on the command line (a list for one that repeats)")]
    Shape { path: PathBuf, key: String },
}

/// Reads the settings file named by `args` or the environment, if any, and
/// sets the environment variables it gives that are not set already.
pub fn apply(args: impl IntoIterator<Item = OsString>, command: &clap::Command) -> Result<(), ConfigError> {
    let Some(path) = config_path(args) else { return Ok(()) };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
    for (variable, value) in settings(&path, &text, &known_settings(command))? {
        if std::env::var_os(&variable).is_none() {
            // Before the command's own threads read the environment: the
            // runtime's workers are idle until the command starts.
            std::env::set_var(variable, value);
        }
    }
    Ok(())
}

/// `--config-file FILE`, `--config-file=FILE`, else `DESKPANE_CONFIG_FILE`.
fn config_path(args: impl IntoIterator<Item = OsString>) -> Option<PathBuf> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--config-file" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.to_str().and_then(|a| a.strip_prefix("--config-file=")) {
            return Some(PathBuf::from(path));
        }
        if arg == "--" {
            break;
        }
    }
    std::env::var_os("DESKPANE_CONFIG_FILE").filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// Every long option with an environment variable, in the command and its
/// subcommands: option name -> variable.
fn known_settings(command: &clap::Command) -> BTreeMap<String, String> {
    let mut known = BTreeMap::new();
    for arg in command.get_arguments() {
        if let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) {
            if long != "config-file" {
                known.insert(long.to_string(), env.to_string_lossy().into_owned());
            }
        }
    }
    for sub in command.get_subcommands() {
        known.extend(known_settings(sub));
    }
    known
}

/// The variables a settings file gives: (variable, value), checked against
/// the `known` settings.
fn settings(path: &Path, text: &str, known: &BTreeMap<String, String>) -> Result<Vec<(String, String)>, ConfigError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Syntax { path: path.into(), reason: e.to_string() })?;
    let mut out = Vec::new();
    for (key, value) in table {
        let name = key.replace('_', "-");
        let Some(variable) = known.get(&name) else {
            let known = known.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(ConfigError::Unknown { path: path.into(), key, known });
        };
        let shape = || ConfigError::Shape { path: path.into(), key: key.clone() };
        let text = match value {
            toml::Value::Array(items) => items.into_iter().map(|v| scalar(v).ok_or_else(shape)).collect::<Result<Vec<_>, _>>()?.join(","),
            other => scalar(other).ok_or_else(shape)?,
        };
        out.push((variable.clone(), text));
    }
    Ok(out)
}

fn scalar(value: toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeMap<String, String> {
        [
            ("store", "DESKPANE_STORE"),
            ("listen", "DESKPANE_LISTEN"),
            ("trusted-proxy", "DESKPANE_TRUSTED_PROXY"),
            ("panel-ttl", "DESKPANE_PANEL_TTL"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn keys_are_option_names_and_values_as_on_the_command_line() {
        let text = "store = \"postgres://desk@db/desk\"\npanel_ttl = 30\ntrusted-proxy = [\"10.0.0.0/8\", \"192.0.2.7\"]\n";
        let got = settings(Path::new("deskpane.toml"), text, &known()).unwrap();
        assert_eq!(
            got,
            vec![
                ("DESKPANE_PANEL_TTL".to_string(), "30".to_string()),
                ("DESKPANE_STORE".to_string(), "postgres://desk@db/desk".to_string()),
                ("DESKPANE_TRUSTED_PROXY".to_string(), "10.0.0.0/8,192.0.2.7".to_string()),
            ]
        );
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_known_ones() {
        let e = settings(Path::new("deskpane.toml"), "stroe = \"x\"", &known()).unwrap_err().to_string();
        assert!(e.contains("`stroe`") && e.contains("store, trusted-proxy"), "{e}");
        let e = settings(Path::new("deskpane.toml"), "[store]\nurl = \"x\"", &known()).unwrap_err().to_string();
        assert!(e.contains("to a table"), "{e}");
        assert!(settings(Path::new("deskpane.toml"), "store = ", &known()).is_err());
    }

    #[test]
    fn the_file_comes_from_the_flag_in_either_spelling() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(config_path(args(&["deskpane", "serve", "--config-file", "/etc/d.toml"])), Some("/etc/d.toml".into()));
        assert_eq!(config_path(args(&["deskpane", "--config-file=/etc/d.toml", "serve"])), Some("/etc/d.toml".into()));
        // `plugin call --config KEY=VALUE` is a plugin's setting, not a file.
        assert_eq!(
            config_path(args(&["deskpane", "plugin", "call", "p", "f", "--config", "k=v"])),
            std::env::var_os("DESKPANE_CONFIG_FILE").map(PathBuf::from)
        );
    }
}
