import ArgumentParser
import Foundation
import TieoutMaps

/// `--maps FOLDER`: where the table maps are, for every command that reads them (sync, maps validate, recon, the
/// benchmarks), and the one way they are read. Checking them against a database is the library's part: the sync
/// engine and the reconciliation each compile the set they are given.
struct MapsOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder of the table maps.", valueName: "folder"), completion: .directory)
    var maps: String = "maps"

    /// The maps of the folder, parsed and ordered (``InvalidMapsError`` for a bad file).
    func load() throws -> MapSet { try MapSet.load(directory: URL(fileURLWithPath: maps)) }
}
