import ArgumentParser
import Foundation
import TieoutPostgres

/// A value the user gave, quoted for a message (``MessageText/quoted(_:quote:limit:)``): every message that quotes
/// what the user gave goes through this (directly, or through ``errorLine(_:)``).
func quoted(_ value: String, limit: Int = MessageText.quotedLength) -> String {
    MessageText.quoted(value, limit: limit)
}

/// The text of `message` made fit for one line on standard error: control characters escaped, every stretch
/// between single quotes longer than 100 characters cut as ``quoted(_:limit:)`` cuts it, and what is still over
/// 1,000 characters cut to its first 400. The safety net behind messages that quote a value themselves
/// (swift-argument-parser's, the libraries').
func errorLine(_ message: String) -> String {
    let trimmed = message.hasSuffix("\n") ? String(message.dropLast()) : message
    let raw = trimmed.split(separator: "'", omittingEmptySubsequences: false)
    var pieces: [String] = []
    var suffix = ""
    for (index, piece) in raw.enumerated() {
        // Odd pieces sit between a pair of quotes (the last one only when its closing quote exists).
        let count = piece.count
        if index % 2 == 1, index < raw.count - 1, count > 100 {
            pieces.append(suffix + piece.prefix(60).map(MessageText.escapedControls).joined() + "…")
            suffix = " (\(count) characters)"
        } else {
            // Only the start of a long unquoted piece can be shown (the line is cut at 1,000 characters).
            pieces.append(
                suffix + piece.prefix(1001).map(MessageText.escapedControls).joined() + (count > 1001 ? "…" : ""))
            suffix = ""
        }
    }
    let line = pieces.joined(separator: "'")
    return line.count > 1000 ? String(line.prefix(400)) + "… (a message of \(trimmed.count) characters)" : line
}

/// Writes `tieout: error: <message>` as one line to standard error.
func printErrorLine(_ message: String) {
    FileHandle.standardError.write(Data("tieout: error: \(errorLine(message))\n".utf8))
}

extension Tieout {
    /// Like swift-argument-parser's `main()`, except that a usage error is one line on standard error,
    /// `tieout: error: <message>` (exit 64), without the usage text that follows it there; `--help` shows the usage.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            printErrorLine(message(for: error))
            Foundation.exit(code.rawValue)
        }
    }
}
