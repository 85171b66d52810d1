import CAdapterSearch
import Dispatch
import Foundation
import Synchronization

/// Ctrl-C during a stored run: the first one asks the run to stop (plugins
/// see it through `should_stop`, the engine between evaluations) so that it
/// ends cleanly, is marked interrupted and can be resumed; a second one
/// quits at once. Every result stored before either is kept.
public enum Interruption {
    private static let flag = Atomic<Bool>(false)
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// True once the user asked the run to stop.
    public static var requested: Bool { flag.load(ordering: .relaxed) }

    /// The exit status of a process the user stopped with Ctrl-C (128 + SIGINT).
    public static let exitStatus: Int32 = 130

    /// Catches SIGINT for the rest of the process; `afterwards` says what
    /// becomes of the work (for a stored run: resume it).
    static func install(afterwards: String = "resume with --resume") {
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let handler = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        handler.setEventHandler {
            if flag.exchange(true, ordering: .relaxed) {
                printError("interrupted again: quitting now; every result stored so far is kept")
                exit(exitStatus)
            }
            printError("interrupt: stopping after the current step (Ctrl-C again quits now); \(afterwards)")
        }
        handler.resume()
        source = handler
    }

    /// Throws a cancellation, as a service error, once a stop was asked for.
    static func check() throws {
        if requested { throw ServiceError(status: ASP_ERR_CANCELLED, description: "the run was interrupted") }
    }
}
