import CAdapterSearch
import Dispatch
import Foundation
import Synchronization

/// Ctrl-C during a stored run: the first one asks the run to stop (plugins
/// see it through `should_stop`, the engine between evaluations) so that it
/// ends cleanly, is marked interrupted and can be resumed; a second one
/// quits at once. Every result stored before either is kept.
enum Interruption {
    private static let flag = Atomic<Bool>(false)
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// True once the user asked the run to stop.
    static var requested: Bool { flag.load(ordering: .relaxed) }

    /// Catches SIGINT for the rest of the process.
    static func install() {
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let handler = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        handler.setEventHandler {
            if flag.exchange(true, ordering: .relaxed) {
                printError("interrupted again: quitting now; every result stored so far is kept")
                exit(130)
            }
            printError("interrupt: stopping after the current step (Ctrl-C again quits now); resume with --resume")
        }
        handler.resume()
        source = handler
    }

    /// Throws a cancellation, as a service error, once a stop was asked for.
    static func check() throws {
        if requested { throw ServiceError(status: ASP_ERR_CANCELLED, description: "the run was interrupted") }
    }
}
