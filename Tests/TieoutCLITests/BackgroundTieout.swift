import Foundation

/// A `tieout` process running in the background, its output collected in files.
final class BackgroundTieout: @unchecked Sendable {
    let process = Process()
    private let outFile: URL
    private let errFile: URL

    init(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws {
        let folder = FileManager.default.temporaryDirectory
        let name = UUID().uuidString.prefix(8)
        outFile = folder.appendingPathComponent("tieout-\(name).out")
        errFile = folder.appendingPathComponent("tieout-\(name).err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process.executableURL = Tieout.binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }

    var stdout: String { (try? String(contentsOf: outFile, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errFile, encoding: .utf8)) ?? "" }

    /// Waits for the process to end and returns what it printed.
    func finish() -> Tieout.Result {
        process.waitUntilExit()
        return Tieout.Result(
            status: process.terminationStatus, stdout: stdout, stderr: stderr,
            killedBySignal: process.terminationReason == .uncaughtSignal)
    }

    /// Sends `signal` and waits for the process to end.
    func stop(_ signal: Int32) {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    /// Waits for the process to end by itself, at most `seconds`; kills it after that.
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            stop(SIGKILL)
            return false
        }
        return true
    }
}
