import Foundation
import Testing
import TieoutTestSupport

/// Connection strings that carry a password, written the ways people get them wrong. No part of the
/// password may reach any output, whatever characters it holds.
@Suite("passwords never appear")
struct PasswordTests {
    /// The password's pieces between its special characters: none of them may be printed.
    static let pieces = ["Zq7", "Xv9", "Kp2"]

    static let connections: [(String, String)] = [
        ("raw '@' in a URI", "postgresql://tieout:Zq7@Xv9-Kp2@127.0.0.1:1/tieout"),
        ("raw '/' in a URI", "postgresql://tieout:Zq7/Xv9-Kp2@127.0.0.1:1/tieout"),
        ("raw '?' in a URI", "postgresql://tieout:Zq7?Xv9-Kp2@127.0.0.1:1/tieout"),
        ("raw '#' and ':' in a URI", "postgresql://tieout:Zq7#Xv9:Kp2@127.0.0.1:1/tieout"),
        ("percent-encoded '@' in a URI", "postgresql://tieout:Zq7%40Xv9-Kp2@127.0.0.1:1/tieout"),
        ("password in the query string", "postgresql://127.0.0.1:1/tieout?user=tieout&password=Zq7@Xv9-Kp2"),
        ("key=value with spaces", "host=127.0.0.1 port=1 user=tieout password='Zq7 Xv9@Kp2' dbname=tieout"),
        ("an unterminated quote", "host=127.0.0.1 port=1 password='Zq7@Xv9 Kp2"),
    ]

    @Test(arguments: connections)
    func noPieceOfThePasswordIsPrinted(_ name: String, _ conninfo: String) throws {
        for arguments in [["recon", "report"], ["sync", "status", "--maps", "maps"], ["migrate"]] {
            let result = try Tieout.run(arguments + ["--db", conninfo])
            #expect(result.status != 0, "\(name): \(arguments)")
            #expect(result.stdout == "", "\(name): \(arguments)")
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2 && lines[1].isEmpty, "\(name): one line: \(result.stderr)")
            #expect(result.stderr.hasPrefix("tieout: error: "), "\(name): \(result.stderr)")
            for piece in Self.pieces {
                #expect(!result.stderr.contains(piece), "\(name) \(arguments): '\(piece)' in \(result.stderr)")
            }
        }
    }

    @Test func aRawAtSignIsRefusedWithHowToFixIt() throws {
        let result = try Tieout.run(["recon", "report", "--db", "postgresql://tieout:Zq7@Xv9@127.0.0.1:1/tieout"])
        #expect(
            result.stderr
                == "tieout: error: invalid connection URI: its user or password has a raw '@' or '/'; percent-encode them (%40, %2F), or pass the password in PGPASSWORD or ~/.pgpass\n"
        )
    }
}
