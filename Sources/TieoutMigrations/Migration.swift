public import Foundation

/// One schema change: a file `sql/migrations/NNNN_description.sql` with tables, constraints, indexes or data,
/// applied once, in version order, and never edited afterwards.
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

    /// The path under `sql/`, for messages.
    public var path: String { MigrationSet.migrationFolder + "/" + name }

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

/// A file of code: functions, views, triggers and their comments, each object written with `CREATE OR REPLACE`
/// (or dropped and created) so that applying the file again brings the database to what it says.
/// `tieout migrate` applies it whenever its checksum differs from the one applied last, in the order `sql/order` gives.
public struct Definition: Sendable, Equatable {
    /// The path under `sql/`, e.g. `dataverse/guards.sql`.
    public let path: String
    /// The SQL text, exactly as in the file.
    public let sql: String
    /// SHA-256 of the file's bytes, in hex.
    public let checksum: String

    public init(path: String, sql: String) {
        self.path = path
        self.sql = sql
        self.checksum = SHA256.hex(Array(sql.utf8))
    }
}

/// The SQL of one build: the versioned migrations in version order and the definition files in declared order.
public struct MigrationSet: Sendable {
    /// The migrations, in version order.
    public let migrations: [Migration]
    /// The definition files, in the order of `sql/order`.
    public let definitions: [Definition]
    /// Where they came from, for messages: `sql/` for the embedded copy, or a folder path ending in `/`.
    public let origin: String

    /// The folder of `sql/` that holds the migrations.
    public static let migrationFolder = "migrations"
    /// The file of `sql/` that lists the definition files in the order they are applied.
    public static let orderFile = "order"

    /// Validates and orders migrations (no definition files). Two files with the same version are an error.
    public init(_ migrations: [Migration], origin: String) throws(MigrationError) {
        try self.init(migrations, definitions: [], origin: origin)
    }

    /// `definitions` come checked from ``init(files:origin:)``: listed once each, in order.
    private init(_ migrations: [Migration], definitions: [Definition], origin: String) throws(MigrationError) {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError("\(previous.name) and \(next.name) have the same version number \(next.version)")
        }
        self.migrations = sorted
        self.definitions = definitions
        self.origin = origin
    }

    /// The set a `sql/` tree makes: `migrations/NNNN_*.sql`, the `order` file and every other `.sql` file, each
    /// given by its path under the tree. Every definition file must be listed in `order` exactly once, and every
    /// listed file must exist.
    public init(files: [(path: String, text: String)], origin: String) throws(MigrationError) {
        var migrations: [Migration] = []
        var definitionText: [String: String] = [:]
        var order: String?
        for file in files {
            if file.path == Self.orderFile {
                order = file.text
            } else if file.path.hasPrefix(Self.migrationFolder + "/") {
                let name = String(file.path.dropFirst(Self.migrationFolder.count + 1))
                guard !name.contains("/") else {
                    throw MigrationError("\(origin)\(file.path): migrations are files directly in \(origin)migrations/")
                }
                migrations.append(try Migration(name: name, sql: file.text))
            } else if !file.path.contains("/") {
                throw MigrationError(
                    "\(origin)\(file.path): put a migration in \(origin)migrations/ and code in an area folder such as \(origin)recon/"
                )
            } else {
                definitionText[file.path] = file.text
            }
        }
        var definitions: [Definition] = []
        for (number, line) in (order ?? "").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let path = line.trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty, !path.hasPrefix("#") else { continue }
            guard let text = definitionText.removeValue(forKey: path) else {
                let twice = definitions.contains { $0.path == path }
                throw MigrationError(
                    "\(origin)\(Self.orderFile) line \(number + 1): \(twice ? "lists \(path) twice" : "\(origin)\(path) does not exist")"
                )
            }
            definitions.append(Definition(path: path, sql: text))
        }
        if let unlisted = definitionText.keys.sorted().first {
            throw MigrationError("\(origin)\(unlisted) is not listed in \(origin)\(Self.orderFile)")
        }
        try self.init(migrations, definitions: definitions, origin: origin)
    }

    /// The `sql/` tree of the package, embedded into this binary when it was built.
    ///
    /// When the checkout this binary was built from is still there and its `sql/` folder no
    /// longer matches the embedded copy, this throws instead of silently applying stale SQL.
    public static func embedded() throws(MigrationError) -> MigrationSet {
        let set = try MigrationSet(files: embeddedSQLFiles, origin: "sql/")
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

    /// Every file as (path under `sql/`, checksum); the order file counts as a definition of its own.
    var fileChecksums: [String: String] {
        var result: [String: String] = [:]
        for migration in migrations { result[migration.path] = migration.checksum }
        for definition in definitions { result[definition.path] = definition.checksum }
        result[Self.orderFile] = SHA256.hex(Array(definitions.map(\.path).joined(separator: "\n").utf8))
        return result
    }

    /// The path of the first file that is added, removed or changed in `other`, if any.
    func firstDifference(from other: MigrationSet) -> String? {
        let mine = fileChecksums
        let theirs = other.fileChecksums
        return Set(mine.keys).union(theirs.keys).sorted().first { mine[$0] != theirs[$0] }
    }

    /// The SQL tree of a folder (for trying out changes without rebuilding): the same layout as `sql/`.
    public static func load(directory: URL) throws(MigrationError) -> MigrationSet {
        let origin = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        return try MigrationSet(files: try SQLTree.read(directory), origin: origin)
    }
}

/// Reads a `sql/` tree from disk: the `order` file and every `.sql` file below the folder, by relative path.
enum SQLTree {
    static func read(_ directory: URL) throws(MigrationError) -> [(path: String, text: String)] {
        let root = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw MigrationError("cannot read the SQL folder \(directory.path)")
        }
        var files: [(path: String, text: String)] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".sql") || relative == MigrationSet.orderFile else { continue }
            let path = root + "/" + relative
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else { throw MigrationError("\(path) is not readable UTF-8 text") }
            files.append((relative, text))
        }
        if files.isEmpty && !FileManager.default.fileExists(atPath: root) {
            throw MigrationError("cannot read the SQL folder \(directory.path)")
        }
        return files.sorted { $0.path < $1.path }
    }
}

/// A migration problem, described in one line that names the file.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
