import Foundation

/// Where downloaded models and data live: `$ADAPTER_SEARCH_CACHE`, or
/// `~/.cache/adapter-search` (scripts/setup fills it; never in git).
public enum CacheFolder {
    /// The environment variable that moves the cache.
    public static let environmentVariable = "ADAPTER_SEARCH_CACHE"

    /// The cache's root folder.
    public static var root: String {
        if let path = ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty { return path }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/adapter-search").path
    }

    /// The default backbone, all-MiniLM-L6-v2 (config.json, model.safetensors, vocab.txt).
    public static var miniLM: String { root + "/models/all-MiniLM-L6-v2" }

    /// Why a cached item is missing, with the command that fetches it.
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) is missing: run `bash scripts/setup` to fetch it (or set \(environmentVariable))" }
    }

    /// `path`, or a `Missing` error if nothing is there.
    public static func require(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing(path: path) }
        return path
    }
}
