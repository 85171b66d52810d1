import CAdapterSearch

/// An error a plugin returns through the ABI: a status code and a message the
/// host shows to the user.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    /// The ABI status code (one of `ASP_ERR_*`).
    public var status: asp_status
    /// What went wrong, in words a user can act on.
    public var message: String

    /// Creates an error with a status code and a message.
    public init(_ status: asp_status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A wrong argument or config value.
    public static func invalidArgument(_ message: String) -> PluginError {
        PluginError(ASP_ERR_INVALID_ARGUMENT, message)
    }

    /// A valid request this plugin or host cannot serve.
    public static func unsupported(_ message: String) -> PluginError {
        PluginError(ASP_ERR_UNSUPPORTED, message)
    }

    /// The engine failed at something the plugin asked of it.
    public static func engine(_ message: String) -> PluginError {
        PluginError(ASP_ERR_ENGINE, message)
    }

    /// The user asked to stop.
    public static let cancelled = PluginError(ASP_ERR_CANCELLED, "cancelled")

    public var description: String { message }
}

extension asp_status {
    /// Throws a `PluginError` carrying `message` unless this is `ASP_OK`.
    @inlinable
    func check(_ message: @autoclosure () -> String) throws {
        if self != ASP_OK { throw PluginError(self, message()) }
    }
}
