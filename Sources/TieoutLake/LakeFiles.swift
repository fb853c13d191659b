import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The file operations of the lake writer, each failure a one-line ``LakeError`` naming the path and the reason
/// (`/data/lake: cannot create the folder (Permission denied)`), never a Foundation error.
enum LakeFiles {
    /// What is at a path (symbolic links followed).
    enum Kind: Equatable {
        case missing
        case folder
        /// A file, a device, anything that is not a folder; with its size.
        case file(size: Int)
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func kind(of url: URL) throws -> Kind {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            let code = errno
            if code == ENOENT { return .missing }
            if code == ENOTDIR { throw LakeError("\(url.path): a part of the path is not a folder") }
            throw LakeError("\(url.path): cannot read (\(reason(code)))")
        }
        return status.st_mode & S_IFMT == S_IFDIR ? .folder : .file(size: Int(status.st_size))
    }

    /// Creates the folder, and its parents, when it is missing; a file in its place is an error.
    static func makeFolder(_ url: URL) throws {
        switch try kind(of: url) {
        case .folder: return
        case .file: throw LakeError("\(url.path): not a folder")
        case .missing:
            let parent = url.deletingLastPathComponent()
            if parent.path != url.path, parent.path != "/" { try makeFolder(parent) }
            guard mkdir(url.path, 0o755) == 0 else {
                let code = errno
                if code == EEXIST, try kind(of: url) == .folder { return }
                throw LakeError("\(url.path): cannot create the folder (\(reason(code)))")
            }
        }
    }

    /// Checks that files can be created in the folder.
    static func checkWritable(_ url: URL) throws {
        guard access(url.path, W_OK | X_OK) == 0 else {
            throw LakeError("\(url.path): cannot write in the folder (\(reason(errno)))")
        }
    }

    /// The names in a folder, sorted (hidden ones included).
    static func names(in url: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        } catch {
            throw LakeError("\(url.path): cannot read the folder")
        }
    }

    /// Removes the folder when it is empty; leaves it otherwise.
    static func removeIfEmpty(_ url: URL) { _ = rmdir(url.path) }

    /// Removes a file or a folder with everything in it.
    static func remove(_ url: URL) throws {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            throw LakeError("\(url.path): cannot remove (\((error as NSError).localizedDescription))")
        }
    }

    /// Writes `data` to the file (created or truncated).
    static func write(_ data: Data, to url: URL) throws {
        let sink = try FileSink(creating: url)
        try data.withUnsafeBytes { try sink.write($0) }
        try sink.close()
    }

    /// Writes `data` to a temporary file next to `url` and renames it over `url`: a reader sees the old file or the
    /// whole new one.
    static func replace(_ url: URL, with data: Data) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + ".tmp")
        try write(data, to: temporary)
        try move(temporary, to: url)
    }

    /// rename(2): replaces `target` in one step.
    static func move(_ source: URL, to target: URL) throws {
        guard rename(source.path, target.path) == 0 else {
            throw LakeError(
                "\(target.path): cannot replace the file with \(source.lastPathComponent) (\(reason(errno)))")
        }
    }
}

/// A file being written, through a 1 MiB buffer: constant memory whatever is streamed into it.
final class FileSink {
    let url: URL
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20

    init(creating url: URL) throws {
        self.url = url
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LakeError("\(url.path): cannot create the file (\(LakeFiles.reason(errno)))")
        }
        buffer.reserveCapacity(Self.capacity)
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.capacity { try flush() }
        if bytes.count >= Self.capacity {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    func close() throws {
        try flush()
        let result = Glibc.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw LakeError("\(url.path): cannot write the file (\(LakeFiles.reason(errno)))") }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Glibc.write(descriptor, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw LakeError("\(url.path): cannot write the file (\(LakeFiles.reason(errno)))")
            }
            remaining -= written
            next += written
        }
    }
}
