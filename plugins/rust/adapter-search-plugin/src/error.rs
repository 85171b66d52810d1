//! Errors: an ABI status code and a message (PLUGIN_ABI.md rule 8).

use crate::raw;
use std::fmt;

/// The error statuses of the ABI (`ASP_ERR_*`). `ASP_OK` is not one: success
/// is `Ok(_)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// `ASP_ERR_INVALID_ARGUMENT`: an argument or config value is wrong.
    InvalidArgument,
    /// `ASP_ERR_UNSUPPORTED`: valid, but not supported (a missing extension).
    Unsupported,
    /// `ASP_ERR_OUT_OF_MEMORY`: an allocation failed.
    OutOfMemory,
    /// `ASP_ERR_CANCELLED`: the user asked to stop.
    Cancelled,
    /// `ASP_ERR_BUFFER_TOO_SMALL`: an output buffer lacks capacity.
    BufferTooSmall,
    /// `ASP_ERR_NOT_FOUND`: the thing asked for does not exist.
    NotFound,
    /// `ASP_ERR_ENGINE`: the engine failed.
    Engine,
    /// `ASP_ERR_INTERNAL`: a bug inside the callee (also: a panic).
    Internal,
    /// A status this version of the ABI does not define, as the host returned it.
    Other(i32),
}

impl Status {
    /// The C status code.
    pub fn code(self) -> raw::asp_status {
        match self {
            Status::InvalidArgument => raw::ASP_ERR_INVALID_ARGUMENT,
            Status::Unsupported => raw::ASP_ERR_UNSUPPORTED,
            Status::OutOfMemory => raw::ASP_ERR_OUT_OF_MEMORY,
            Status::Cancelled => raw::ASP_ERR_CANCELLED,
            Status::BufferTooSmall => raw::ASP_ERR_BUFFER_TOO_SMALL,
            Status::NotFound => raw::ASP_ERR_NOT_FOUND,
            Status::Engine => raw::ASP_ERR_ENGINE,
            Status::Internal => raw::ASP_ERR_INTERNAL,
            // ASP_OK is no error: passing it on would claim success.
            Status::Other(code) if code == raw::ASP_OK => raw::ASP_ERR_INTERNAL,
            Status::Other(code) => code,
        }
    }

    /// The status of a C code; `None` for `ASP_OK`.
    pub fn from_code(code: raw::asp_status) -> Option<Status> {
        Some(match code {
            raw::ASP_OK => return None,
            raw::ASP_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            raw::ASP_ERR_UNSUPPORTED => Status::Unsupported,
            raw::ASP_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            raw::ASP_ERR_CANCELLED => Status::Cancelled,
            raw::ASP_ERR_BUFFER_TOO_SMALL => Status::BufferTooSmall,
            raw::ASP_ERR_NOT_FOUND => Status::NotFound,
            raw::ASP_ERR_ENGINE => Status::Engine,
            raw::ASP_ERR_INTERNAL => Status::Internal,
            other => Status::Other(other),
        })
    }
}

/// What a plugin call or a host service call failed with: a status and a
/// message in words a user can act on.
///
/// When a plugin's `create`, `score` or `select` returns `Err(error)`, the
/// kit hands `error.message` to the host's `set_error` and returns
/// `error.status`'s code. When a host service fails, the kit's wrappers
/// return an `Error` with the service's status and "WHAT failed: " followed
/// by the host's `last_error` message, so `?` passes it on unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The status returned across the ABI.
    pub status: Status,
    /// What went wrong.
    pub message: String,
}

impl Error {
    /// An error with this status and message.
    pub fn new(status: Status, message: impl Into<String>) -> Error {
        Error { status, message: message.into() }
    }

    /// `ASP_ERR_INVALID_ARGUMENT`: an argument or config value is wrong.
    pub fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(Status::InvalidArgument, message)
    }

    /// `ASP_ERR_UNSUPPORTED`: a valid request this plugin or host cannot serve.
    pub fn unsupported(message: impl Into<String>) -> Error {
        Error::new(Status::Unsupported, message)
    }

    /// `ASP_ERR_ENGINE`: the engine failed at something the plugin asked.
    pub fn engine(message: impl Into<String>) -> Error {
        Error::new(Status::Engine, message)
    }

    /// `ASP_ERR_INTERNAL`: a bug in the plugin.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(Status::Internal, message)
    }

    /// `ASP_ERR_CANCELLED`: the user asked to stop.
    pub fn cancelled() -> Error {
        Error::new(Status::Cancelled, "stopped on request")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The result of every fallible call of the kit.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in 1..=8 {
            assert_eq!(Status::from_code(code).map(Status::code), Some(code));
        }
        assert_eq!(Status::from_code(raw::ASP_OK), None);
        assert_eq!(Status::from_code(42), Some(Status::Other(42)));
        assert_eq!(Status::Other(raw::ASP_OK).code(), raw::ASP_ERR_INTERNAL, "an error never claims success");
    }
}
