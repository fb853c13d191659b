import Foundation
import Testing
import TieoutLake

@Suite struct FolderNameTests {
    @Test func readsBothSpellingsAndFractions() throws {
        let dots = try #require(FolderName("2026-11-24T08.07.17Z"))
        let colons = try #require(FolderName("2026-11-24T08:07:17Z"))
        let fraction = try #require(FolderName("2026-11-24T08.07.17.250Z"))
        #expect(dots.time == colons.time)
        #expect(dots.time.timeIntervalSince1970 == 1_795_507_637)
        #expect(fraction.time.timeIntervalSince1970 == 1_795_507_637.25)
        #expect(dots < fraction)
    }

    @Test(arguments: [
        "2026-13-45T25.00.00Z", "2026-02-30T08.00.00Z", "2026-11-24T24.00.00Z", "2026-11-24T08.07.17",
        "2026-11-24 08.07.17Z", "2026-11-24T08.07.17.12345678Z", "2026-11-24T08-07-17Z",
    ])
    func refusesInvalidTimes(name: String) {
        #expect(FolderName.looksLikeTimestamp(name))
        #expect(FolderName(name) == nil)
    }

    @Test func otherFoldersDoNotLookLikeTimestamps() {
        for name in ["Changelog", "OptionsetMetadata", "Microsoft.Athena.TrickleFeedService", "msdyn_actual", "2026"] {
            #expect(!FolderName.looksLikeTimestamp(name))
        }
    }

    @Test func writesSynapseLinksSpelling() throws {
        let time = Date(timeIntervalSince1970: 1_795_507_637.9)
        #expect(FolderName(time: time).name == "2026-11-24T08.07.17Z")
        #expect(FolderName(FolderName(time: time).name)?.time == FolderName(time: time).time)
    }

    @Test func mapsLocationsOntoTheLocalCopy() throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lake-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let layout = try LakeLayout(root: root)
        let folder = root.appendingPathComponent("2026-11-24T08.07.17Z")
        #expect(
            layout.localFile(
                forLocation:
                    "https://acct.dfs.core.windows.net/dataverse-org/2026-11-24T08%3A07%3A17Z/msdyn_actual/2026.csv",
                modelFolder: folder
            ).path == root.path + "/2026-11-24T08:07:17Z/msdyn_actual/2026.csv")
        #expect(
            layout.localFile(forLocation: "msdyn_actual/2026_001.csv", modelFolder: folder).path
                == folder.path + "/msdyn_actual/2026_001.csv")
    }
}
