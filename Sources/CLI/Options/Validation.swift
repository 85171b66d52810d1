import ArgumentParser

/// Runs a library check inside an option group's `validate()`: its error
/// becomes a usage error, shown with the command's usage line.
func validating<T>(_ check: () throws -> T) throws -> T {
    do {
        return try check()
    } catch let error as ValidationError {
        throw error
    } catch {
        throw ValidationError("\(error)")
    }
}
