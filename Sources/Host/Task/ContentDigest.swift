import CCrypto
import Foundation

/// SHA-256 digests of files and bytes, as lowercase hex: what a run records
/// to say which data and which checkpoint it ran on (OpenSSL's libcrypto).
public enum ContentDigest {
    /// Why a digest could not be taken.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot read \(path) to take its digest: \(reason)" }
    }

    /// The digest of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> String {
        let hasher = Hasher()
        hasher.update(Array(bytes))
        return hasher.finish()
    }

    /// The digest of the file at `path`, read in chunks.
    public static func sha256(file path: String) throws(Failure) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Failure(path: path, reason: "no readable file there") }
        defer { try? handle.close() }
        let hasher = Hasher()
        do {
            while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(Array(chunk)) }
        } catch {
            throw Failure(path: path, reason: error.localizedDescription)
        }
        return hasher.finish()
    }

    /// One digest of several named parts: each part's name and digest, in
    /// order, one line each. Equal parts give equal digests; any change to a
    /// name, a digest or the order changes it.
    public static func combining(_ parts: [(name: String, digest: String)]) -> String {
        sha256(Array(parts.map { "\($0.name)=\($0.digest)\n" }.joined().utf8))
    }

    /// An incremental SHA-256; its OpenSSL context lives as long as it does.
    private final class Hasher {
        private let context: OpaquePointer

        init() {
            context = EVP_MD_CTX_new()!  // NULL only when out of memory
            EVP_DigestInit_ex(context, EVP_sha256(), nil)
        }

        deinit { EVP_MD_CTX_free(context) }

        func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }

        /// The digest of everything given; call once.
        func finish() -> String {
            var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &digest, &length)
            return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
        }
    }
}
