public import Foundation
import TieoutPostgres

/// Where `tieout recon export --out`, `report --html` and `run --metrics` write. A regular file (or a new one) gets a
/// temporary file next to it that replaces it with rename(2) only when the writing is complete, so a reader never
/// sees half a file; through a symbolic link, the file it points at is replaced and the link stays. `-`,
/// `/dev/stdout`, `/dev/fd/N`, a character device or a FIFO is written directly, never replaced.
public struct OutputFile {
    enum Kind {
        /// Write this open descriptor directly.
        case descriptor(Int32)
        /// Open this path (a device or FIFO) and write it directly.
        case stream(String)
        /// Write a temporary file next to this path, then rename it over the path.
        case file(String)
    }

    let out: String
    let kind: Kind

    /// Works out the target and checks it can be written, before the export starts; errors name `option`.
    public init(_ out: String, option: String = "--out") throws {
        self.out = out
        func refuse(_ reason: String) -> ReconError {
            ReconError("\(option) \(MessageText.quoted(out)): \(reason)", usage: true)
        }
        guard !out.isEmpty else { throw refuse("give a file name, or - for standard output") }
        switch out {
        case "-", "/dev/stdout", "/proc/self/fd/1", "/dev/fd/1":
            kind = .descriptor(STDOUT_FILENO)
            return
        case "/dev/stderr", "/proc/self/fd/2", "/dev/fd/2":
            kind = .descriptor(STDERR_FILENO)
            return
        default: break
        }
        var status = stat()
        if stat(out, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFDIR: throw refuse("is a folder; name a file in it")
            case S_IFREG: break
            default:
                guard access(out, W_OK) == 0 else { throw refuse(String(cString: strerror(errno))) }
                kind = .stream(out)
                return
            }
        }
        // A regular file or a new one: follow symbolic links to the file they name, so rename replaces that file.
        var path = out
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(path, &buffer, buffer.count - 1)
            guard length >= 0 else { break }
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            path =
                target.hasPrefix("/")
                ? target : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(target).path
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var folderStatus = stat()
        guard stat(folder, &folderStatus) == 0, folderStatus.st_mode & S_IFMT == S_IFDIR else {
            throw refuse("the folder \(MessageText.quoted(folder)) does not exist")
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw refuse(
                "cannot write in the folder \(MessageText.quoted(folder)): \(String(cString: strerror(errno)))")
        }
        kind = .file(path)
    }

    /// Runs `export` on a handle to the destination and completes the write.
    public func write<Result>(_ export: (FileHandle) throws -> Result) throws -> Result {
        switch kind {
        case .descriptor(let descriptor):
            return try export(FileHandle(fileDescriptor: descriptor, closeOnDealloc: false))
        case .stream(let path):
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw ReconError(
                    "cannot write \(MessageText.quoted(out)): \(String(cString: strerror(errno)))", usage: true)
            }
            defer { try? handle.close() }
            return try export(handle)
        case .file(let path):
            let target = URL(fileURLWithPath: path)
            let temporary = target.deletingLastPathComponent()
                .appendingPathComponent(".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)")
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw ReconError(
                    "cannot write \(MessageText.quoted(out)): check that its folder exists and is writable", usage: true
                )
            }
            defer { try? FileManager.default.removeItem(at: temporary) }
            let handle = try FileHandle(forWritingTo: temporary)
            let result = try export(handle)
            try handle.close()
            // rename(2) replaces the target in one step: a reader never sees half a file.
            guard rename(temporary.path, target.path) == 0 else {
                throw ReconError(
                    "cannot write \(MessageText.quoted(out)): \(String(cString: strerror(errno)))", usage: true)
            }
            return result
        }
    }
}
