import CAdapterSearch

/// Named findings a strategy reports about the placement it is choosing,
/// the `asp.findings/1` extension (ABI 1.3): the host stores them with the
/// selection and shows them with it. Reporting a name again replaces its value.
public struct FindingsServices {
    let api: UnsafePointer<asp_findings_api>
    let host: PluginHost

    /// Reports finding `name` ([A-Za-z0-9._-], 1 to 64 characters) with a text value.
    public func report(_ name: String, text: String) throws {
        try host.call("report finding \(name)") { api.pointee.report_text($0, name, text) }
    }

    /// Reports finding `name` with a finite number.
    public func report(_ name: String, number: Double) throws {
        try host.call("report finding \(name)") { api.pointee.report_number($0, name, number) }
    }
}
