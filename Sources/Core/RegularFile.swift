#if canImport(Glibc)
import Glibc
#endif

/// Every file the engine reads must be a regular file: a named pipe would
/// block the read forever, and a device or a folder would read as garbage.
public enum RegularFile {
    /// A path that exists but is not a regular file.
    public struct NotRegular: Error, CustomStringConvertible, Equatable {
        public let path: String
        /// What is there instead ("a named pipe (FIFO)", "a folder", ...).
        public let kind: String
        public var description: String { "\(path) is \(kind), not a regular file; give the path of a file" }

        public init(path: String, kind: String) {
            self.path = path
            self.kind = kind
        }
    }

    /// Throws `NotRegular` when something other than a regular file is at
    /// `path` (symbolic links are followed). A missing path passes: the
    /// reader reports it in its own words.
    public static func require(_ path: String) throws(NotRegular) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFIFO: kind = "a named pipe (FIFO)"
        case S_IFDIR: kind = "a folder"
        case S_IFCHR, S_IFBLK: kind = "a device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a file"
        }
        throw NotRegular(path: path, kind: kind)
    }
}
