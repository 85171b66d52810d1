//! Parameters: what a plugin declares (name, type, default, range, help) and
//! the values an instance is created with (PLUGIN_ABI.md rule 10).

use crate::error::{Error, Result};
use crate::raw;
use crate::read_field;
use std::collections::BTreeMap;
use std::ffi::CStr;
use std::fmt;

/// The value type of a parameter (`ASP_PARAM_*`). Values always travel as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// A decimal integer, e.g. "3" or "-2" (`ASP_PARAM_INT`).
    Int,
    /// A decimal real, e.g. "0.6" or "1e-3" (`ASP_PARAM_REAL`).
    Real,
    /// "true" or "false" (`ASP_PARAM_BOOL`).
    Bool,
    /// Any UTF-8 text (`ASP_PARAM_STRING`).
    String,
}

impl ParamType {
    /// The C code.
    pub fn code(self) -> i32 {
        match self {
            ParamType::Int => raw::ASP_PARAM_INT,
            ParamType::Real => raw::ASP_PARAM_REAL,
            ParamType::Bool => raw::ASP_PARAM_BOOL,
            ParamType::String => raw::ASP_PARAM_STRING,
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            ParamType::Int => "int",
            ParamType::Real => "real",
            ParamType::Bool => "bool",
            ParamType::String => "string",
        })
    }
}

/// One parameter a plugin declares. Build it with [`Param::int`],
/// [`Param::real`], [`Param::bool`] or [`Param::string`], then bound it
/// with [`Param::range`], [`Param::at_least`] or [`Param::at_most`]:
///
/// ```
/// use adapter_search_plugin::Param;
/// let exponent = Param::real("exponent", 1.0, "the power the norm is raised to").range(0.25, 4.0);
/// let rank = Param::int("rank", 8, "adapter rank").at_least(1.0);
/// # let _ = (exponent, rank);
/// ```
///
/// The kit checks every declaration when the library is first loaded (name
/// `[a-z0-9_-]+`, unique per plugin, a default of the right type inside its
/// range); a plugin with a bad declaration makes the library refuse to load,
/// with the reason on standard error.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The name used in configs.
    pub name: &'static str,
    /// The value type.
    pub kind: ParamType,
    /// The default, as text.
    pub default: String,
    /// The inclusive lower bound (int and real parameters).
    pub minimum: Option<f64>,
    /// The inclusive upper bound (int and real parameters).
    pub maximum: Option<f64>,
    /// One line of help for users.
    pub help: &'static str,
}

impl Param {
    fn new(name: &'static str, kind: ParamType, default: String, help: &'static str) -> Param {
        Param { name, kind, default, minimum: None, maximum: None, help }
    }

    /// An integer parameter with a default.
    pub fn int(name: &'static str, default: i64, help: &'static str) -> Param {
        Param::new(name, ParamType::Int, default.to_string(), help)
    }

    /// A real parameter with a default.
    pub fn real(name: &'static str, default: f64, help: &'static str) -> Param {
        Param::new(name, ParamType::Real, format!("{:?}", default), help)
    }

    /// A boolean parameter with a default.
    pub fn bool(name: &'static str, default: bool, help: &'static str) -> Param {
        Param::new(name, ParamType::Bool, default.to_string(), help)
    }

    /// A text parameter with a default.
    pub fn string(name: &'static str, default: &str, help: &'static str) -> Param {
        Param::new(name, ParamType::String, default.to_string(), help)
    }

    /// Bounds the value to `minimum ..= maximum` (int and real parameters).
    pub fn range(self, minimum: f64, maximum: f64) -> Param {
        Param { minimum: Some(minimum), maximum: Some(maximum), ..self }
    }

    /// Bounds the value below by `minimum`, inclusive.
    pub fn at_least(self, minimum: f64) -> Param {
        Param { minimum: Some(minimum), ..self }
    }

    /// Bounds the value above by `maximum`, inclusive.
    pub fn at_most(self, maximum: f64) -> Param {
        Param { maximum: Some(maximum), ..self }
    }

    /// What is wrong with this declaration, if anything.
    pub(crate) fn declaration_problem(&self) -> Option<String> {
        let valid_name = !self.name.is_empty()
            && self.name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-');
        if !valid_name {
            return Some(format!("parameter name '{}' is not [a-z0-9_-]+", self.name));
        }
        if self.help.contains('\0') || self.default.contains('\0') {
            return Some(format!("parameter '{}' has a NUL in its help or default", self.name));
        }
        let bounded = self.minimum.is_some() || self.maximum.is_some();
        if bounded && !matches!(self.kind, ParamType::Int | ParamType::Real) {
            return Some(format!("parameter '{}' is a {} and cannot have bounds", self.name, self.kind));
        }
        if let (Some(minimum), Some(maximum)) = (self.minimum, self.maximum) {
            if !(minimum <= maximum) {
                return Some(format!("parameter '{}' has an empty range [{}, {}]", self.name, minimum, maximum));
            }
        }
        self.parse(&self.default).err().map(|error| format!("the default of {}", error.message))
    }

    /// Parses `text` as a value of this parameter, checking the bounds.
    fn parse(&self, text: &str) -> Result<Value> {
        let bad = |what: &str| Error::invalid_argument(format!("parameter '{}' is '{}', {}", self.name, text, what));
        let value = match self.kind {
            ParamType::Int => Value::Int(text.trim().parse::<i64>().map_err(|_| bad("not an integer"))?),
            ParamType::Real => {
                let value = text.trim().parse::<f64>().map_err(|_| bad("not a real number"))?;
                if !value.is_finite() {
                    return Err(bad("not a finite number"));
                }
                Value::Real(value)
            }
            ParamType::Bool => match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad("neither true nor false")),
            },
            ParamType::String => Value::String(text.to_string()),
        };
        let number = match value {
            Value::Int(integer) => Some(integer as f64),
            Value::Real(real) => Some(real),
            _ => None,
        };
        if let Some(number) = number {
            if let Some(minimum) = self.minimum {
                if number < minimum {
                    return Err(bad(&format!("below its minimum {}", minimum)));
                }
            }
            if let Some(maximum) = self.maximum {
                if number > maximum {
                    return Err(bad(&format!("above its maximum {}", maximum)));
                }
            }
        }
        Ok(value)
    }
}

/// A parsed parameter value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(i64),
    Real(f64),
    Bool(bool),
    String(String),
}

/// The parameter values one instance is created with: every declared
/// parameter, parsed by its type and checked against its range. Owned by
/// the plugin's `create` call (the kit copies the host's borrowed text).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    values: BTreeMap<&'static str, (ParamType, Value)>,
}

impl Config {
    /// Parses the host's `config` against the `declared` parameters. Absent
    /// keys take their defaults (the host fills them in, but a config may be
    /// short); an unknown key, a NULL, or a value that does not parse or is
    /// out of range is an invalid-argument error naming the parameter.
    ///
    /// # Safety
    ///
    /// `config` is NULL or the host's `asp_config`, valid for this call, its
    /// `count` keys and values NUL-terminated strings.
    pub(crate) unsafe fn from_raw(config: *const raw::asp_config, declared: &[Param]) -> Result<Config> {
        let mut texts: BTreeMap<&'static str, String> =
            declared.iter().map(|param| (param.name, param.default.clone())).collect();
        if !config.is_null() {
            // SAFETY: the caller's contract: the host's config, read within its size.
            let (count, keys, values) = unsafe {
                (
                    read_field!(config, raw::asp_config, count).unwrap_or(0),
                    read_field!(config, raw::asp_config, keys),
                    read_field!(config, raw::asp_config, values),
                )
            };
            if count > 0 && values.is_none() {
                return Err(Error::invalid_argument("the configuration is too short to hold its keys and values"));
            }
            let keys = keys.unwrap_or(std::ptr::null());
            let values = values.unwrap_or(std::ptr::null());
            if count > 0 && (keys.is_null() || values.is_null()) {
                return Err(Error::invalid_argument("the configuration's keys or values are NULL"));
            }
            for index in 0..count as usize {
                // SAFETY: the caller's contract: `count` keys and values.
                let (key, value) = unsafe { (*keys.add(index), *values.add(index)) };
                if key.is_null() || value.is_null() {
                    return Err(Error::invalid_argument(format!("config entry {} has a NULL key or value", index)));
                }
                // SAFETY: the caller's contract: NUL-terminated strings.
                let (key, value) = unsafe { (CStr::from_ptr(key), CStr::from_ptr(value)) };
                let key = key.to_string_lossy();
                let value = value.to_string_lossy().into_owned();
                let param = declared.iter().find(|param| param.name == key).ok_or_else(|| {
                    let known: Vec<&str> = declared.iter().map(|param| param.name).collect();
                    Error::invalid_argument(format!("unknown parameter '{}'; known: {}", key, known.join(", ")))
                })?;
                texts.insert(param.name, value);
            }
        }
        Config::parse(&texts, declared)
    }

    /// A configuration from `name = text` pairs (the others take their
    /// defaults), checked like the host's: for tests of a plugin's `create`.
    pub fn from_pairs(pairs: &[(&str, &str)], declared: &[Param]) -> Result<Config> {
        let mut texts: BTreeMap<&'static str, String> =
            declared.iter().map(|param| (param.name, param.default.clone())).collect();
        for (key, value) in pairs {
            let param = declared
                .iter()
                .find(|param| param.name == *key)
                .ok_or_else(|| Error::invalid_argument(format!("unknown parameter '{}'", key)))?;
            texts.insert(param.name, value.to_string());
        }
        Config::parse(&texts, declared)
    }

    fn parse(texts: &BTreeMap<&'static str, String>, declared: &[Param]) -> Result<Config> {
        let mut values = BTreeMap::new();
        for param in declared {
            let text = texts.get(param.name).map_or(param.default.as_str(), String::as_str);
            values.insert(param.name, (param.kind, param.parse(text)?));
        }
        Ok(Config { values })
    }

    /// The value of parameter `name`, which the plugin must have declared
    /// with type `kind`; asking for another is the plugin's mistake, an
    /// invalid-argument error (never a panic).
    fn value(&self, name: &str, kind: ParamType) -> Result<&Value> {
        match self.values.get(name) {
            Some((declared, value)) if *declared == kind => Ok(value),
            Some((declared, _)) => Err(Error::invalid_argument(format!(
                "the plugin asked for {} parameter '{}', which it declared as {}",
                kind, name, declared
            ))),
            None => {
                let known: Vec<&str> = self.values.keys().copied().collect();
                Err(Error::invalid_argument(format!(
                    "the plugin asked for {} parameter '{}', which it never declared (declared: {})",
                    kind,
                    name,
                    known.join(", ")
                )))
            }
        }
    }

    /// The value of a declared integer parameter.
    pub fn int(&self, name: &str) -> Result<i64> {
        match self.value(name, ParamType::Int)? {
            Value::Int(value) => Ok(*value),
            _ => unreachable_kind(name),
        }
    }

    /// The value of a declared real parameter.
    pub fn real(&self, name: &str) -> Result<f64> {
        match self.value(name, ParamType::Real)? {
            Value::Real(value) => Ok(*value),
            _ => unreachable_kind(name),
        }
    }

    /// The value of a declared boolean parameter.
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.value(name, ParamType::Bool)? {
            Value::Bool(value) => Ok(*value),
            _ => unreachable_kind(name),
        }
    }

    /// The value of a declared text parameter.
    pub fn string(&self, name: &str) -> Result<&str> {
        match self.value(name, ParamType::String)? {
            Value::String(value) => Ok(value),
            _ => unreachable_kind(name),
        }
    }
}

/// A value whose parsed form disagrees with its declared type: cannot happen
/// (parse keeps them together), reported as an internal error all the same.
fn unreachable_kind<T>(name: &str) -> Result<T> {
    Err(Error::internal(format!("parameter '{}' holds a value of the wrong type", name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;
    use std::os::raw::c_char;

    fn declared() -> Vec<Param> {
        vec![
            Param::real("exponent", 1.0, "power").range(0.25, 4.0),
            Param::int("rank", 8, "rank").at_least(1.0),
            Param::bool("verbose", false, "talk"),
            Param::string("label", "x", "a label"),
        ]
    }

    #[test]
    fn defaults_fill_what_the_host_leaves_out() {
        let config = unsafe { Config::from_raw(std::ptr::null(), &declared()) }.unwrap();
        assert_eq!(config.real("exponent"), Ok(1.0));
        assert_eq!(config.int("rank"), Ok(8));
        assert_eq!(config.bool("verbose"), Ok(false));
        assert_eq!(config.string("label"), Ok("x"));
    }

    #[test]
    fn values_are_parsed_and_checked() {
        let keys: [*const c_char; 2] = [b"exponent\0".as_ptr() as _, b"rank\0".as_ptr() as _];
        let values: [*const c_char; 2] = [b"2.5\0".as_ptr() as _, b"3\0".as_ptr() as _];
        let config = raw::asp_config {
            struct_size: std::mem::size_of::<raw::asp_config>() as u32,
            count: 2,
            keys: keys.as_ptr(),
            values: values.as_ptr(),
        };
        let parsed = unsafe { Config::from_raw(&config, &declared()) }.unwrap();
        assert_eq!(parsed.real("exponent"), Ok(2.5));
        assert_eq!(parsed.int("rank"), Ok(3));

        let too_big = Config::from_pairs(&[("exponent", "5")], &declared()).unwrap_err();
        assert_eq!(too_big.status, Status::InvalidArgument);
        assert!(too_big.message.contains("'exponent' is '5', above its maximum 4"), "{}", too_big.message);
        assert!(Config::from_pairs(&[("rank", "0")], &declared()).is_err());
        assert!(Config::from_pairs(&[("rank", "1.5")], &declared()).is_err());
        assert!(Config::from_pairs(&[("verbose", "yes")], &declared()).is_err());
        assert!(Config::from_pairs(&[("gamma", "1")], &declared()).unwrap_err().message.contains("unknown parameter"));
    }

    #[test]
    fn asking_for_an_undeclared_or_mistyped_parameter_is_an_error() {
        let config = Config::from_pairs(&[], &declared()).unwrap();
        assert!(config.int("gamma").unwrap_err().message.contains("never declared"));
        assert!(config.int("exponent").unwrap_err().message.contains("declared as real"));
    }

    #[test]
    fn declarations_are_checked() {
        assert_eq!(Param::real("exponent", 1.0, "").range(0.25, 4.0).declaration_problem(), None);
        assert!(Param::real("Exponent", 1.0, "").declaration_problem().is_some());
        assert!(Param::real("exponent", 9.0, "").range(0.25, 4.0).declaration_problem().is_some());
        assert!(Param::bool("flag", true, "").at_least(0.0).declaration_problem().is_some());
        assert!(Param::int("rank", 1, "").range(3.0, 2.0).declaration_problem().is_some());
    }
}
