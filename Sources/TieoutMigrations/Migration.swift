public import Foundation

/// One schema change: a file `sql/NNNN_description.sql`, applied once, in version order.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with; migrations apply in increasing version order.
    public let version: Int
    /// The file name, e.g. `0002_dataverse.sql`.
    public let name: String
    /// The SQL text, exactly as in the file.
    public let sql: String
    /// SHA-256 of the file's bytes, in hex. Recorded when applied, compared on every later run.
    public let checksum: String

    /// A migration from a file name and its text. The name must look like `0001_schemas.sql`.
    public init(name: String, sql: String) throws(MigrationError) {
        guard let version = Self.version(fromFileName: name) else {
            throw MigrationError("\(name): a migration file must be named NNNN_description.sql (e.g. 0004_sync.sql)")
        }
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hex(Array(sql.utf8))
    }

    static func version(fromFileName name: String) -> Int? {
        guard name.hasSuffix(".sql") else { return nil }
        let stem = name.dropLast(4)
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 4, stem.dropFirst(digits.count).first == "_", stem.count > digits.count + 1 else {
            return nil
        }
        let description = stem.dropFirst(digits.count + 1)
        guard description.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else { return nil }
        return Int(digits)
    }
}

/// An ordered, validated list of migrations.
public struct MigrationSet: Sendable {
    /// The migrations, in version order.
    public let migrations: [Migration]
    /// Where they came from, for messages: `sql/` for the embedded copy, or a folder path.
    public let origin: String

    /// Validates and orders migrations. Two files with the same version are an error.
    public init(_ migrations: [Migration], origin: String) throws(MigrationError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError("\(previous.name) and \(next.name) have the same version number \(next.version)")
        }
        self.migrations = sorted
        self.origin = origin
    }

    /// The migrations of the package's `sql/` folder, embedded into this binary when it was built.
    ///
    /// When the checkout this binary was built from is still there and its `sql/` folder no
    /// longer matches the embedded copy, this throws instead of silently applying stale SQL.
    public static func embedded() throws(MigrationError) -> MigrationSet {
        var migrations: [Migration] = []
        for file in embeddedMigrationFiles {
            migrations.append(try Migration(name: file.name, sql: file.text))
        }
        let set = try MigrationSet(migrations, origin: "sql/")
        if FileManager.default.fileExists(atPath: sourceDirectory.path) {
            let current = try load(directory: sourceDirectory)
            if let difference = set.firstDifference(from: current) {
                throw MigrationError(
                    "\(sourceDirectory.path)/\(difference) differs from the copy built into this tieout; rebuild it (swift build) before migrating"
                )
            }
        }
        return set
    }

    /// The `sql/` folder of the checkout this binary was built from.
    static let sourceDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql")

    /// The name of the first file that is added, removed or changed in `other`, if any.
    func firstDifference(from other: MigrationSet) -> String? {
        let mine = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0.checksum) })
        let theirs = Dictionary(uniqueKeysWithValues: other.migrations.map { ($0.name, $0.checksum) })
        return Set(mine.keys).union(theirs.keys).sorted().first { mine[$0] != theirs[$0] }
    }

    /// The `.sql` files of a folder (for trying out migrations without rebuilding).
    public static func load(directory: URL) throws(MigrationError) -> MigrationSet {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError("cannot read the migration folder \(directory.path)")
        }
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let url = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path),
                let text = String(data: data, encoding: .utf8)
            else { throw MigrationError("\(url.path) is not readable UTF-8 text") }
            migrations.append(try Migration(name: name, sql: text))
        }
        let origin = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        return try MigrationSet(migrations, origin: origin)
    }
}

/// A migration problem, described in one line that names the file.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
