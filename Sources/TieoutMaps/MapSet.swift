public import Foundation

/// All table maps of a folder, in apply order (every map after the maps it depends on).
public struct MapSet: Sendable {
    /// The maps in apply order.
    public let maps: [TableMap]

    /// Builds a set from parsed maps, checking names and dependencies.
    public init(_ maps: [TableMap]) throws(InvalidMapsError) {
        var problems: [MapProblem] = []
        var byName: [String: TableMap] = [:]
        for map in maps {
            if let other = byName[map.name] {
                problems.append(
                    MapProblem(map.location(of: "name"), "map '\(map.name)' is also defined in \(other.file)"))
            }
            byName[map.name] = map
        }
        for map in maps {
            for dependency in map.dependsOn where byName[dependency] == nil {
                problems.append(
                    MapProblem(map.location(of: "dependsOn"), "dependsOn names an unknown map '\(dependency)'"))
            }
        }
        guard problems.isEmpty else { throw InvalidMapsError(problems) }

        // Kahn's algorithm; among the maps that are ready, the alphabetically first goes first,
        // so the order is stable.
        var remaining = Dictionary(uniqueKeysWithValues: maps.map { ($0.name, Set($0.dependsOn)) })
        var ordered: [TableMap] = []
        while !remaining.isEmpty {
            guard let next = remaining.filter({ $0.value.isEmpty }).keys.min() else {
                let cycle = remaining.keys.sorted()
                throw InvalidMapsError(
                    cycle.compactMap { byName[$0] }.map {
                        MapProblem(
                            $0.location(of: "dependsOn"),
                            "dependsOn forms a cycle among: \(cycle.joined(separator: ", "))")
                    })
            }
            remaining[next] = nil
            for name in remaining.keys { remaining[name]?.remove(next) }
            ordered.append(byName[next]!)
        }
        self.maps = ordered
    }

    /// Reads every `*.yaml` file of `directory`. Each problem is reported with file and line.
    /// Paths in messages are relative to the working folder when the folder is inside it.
    public static func load(directory: URL) throws -> MapSet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MapFolderError(message: "cannot read the maps folder \(directory.path)")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !files.isEmpty else { throw MapFolderError(message: "no table maps (*.yaml) in \(directory.path)") }
        var maps: [TableMap] = []
        var problems: [MapProblem] = []
        for file in files {
            let url = directory.appendingPathComponent(file)
            let shown = displayPath(url)
            guard let data = FileManager.default.contents(atPath: url.path),
                let text = String(data: data, encoding: .utf8)
            else {
                problems.append(MapProblem(SourceLocation(file: shown, line: 1), "cannot read the file as UTF-8 text"))
                continue
            }
            switch MapParser.parse(text, file: shown) {
            case .success(let map): maps.append(map)
            case .failure(let error): problems += error.problems
            }
        }
        guard problems.isEmpty else { throw InvalidMapsError(problems) }
        return try MapSet(maps)
    }

    /// Parses one map from text (for tests and tools).
    public static func parse(_ text: String, file: String) throws(InvalidMapsError) -> TableMap {
        try MapParser.parse(text, file: file).get()
    }

    /// The map called `name`.
    public subscript(name: String) -> TableMap? { maps.first { $0.name == name } }

    static func displayPath(_ url: URL) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let path = url.standardizedFileURL.path
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }
}

/// The maps folder is missing, empty or unreadable.
public struct MapFolderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
