/// Where something was written in a map file: `maps/actuals.yaml:12`.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file as given to the loader (usually relative to the working folder).
    public var file: String
    /// Line number, starting at 1.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// A table name with its schema: `dataverse.msdyn_actual`.
public struct QualifiedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var schema: String
    public var name: String

    public init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    /// Parses `schema.table`; nil unless both parts are present and non-empty.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(schema: String(parts[0]), name: String(parts[1]))
    }

    /// `schema.table`, unquoted (for messages and the change log).
    public var description: String { "\(schema).\(name)" }

    public static func < (lhs: QualifiedName, rhs: QualifiedName) -> Bool { lhs.description < rhs.description }
}

/// A column of the source row (`column`) or of a lookup (`alias.column`).
public struct ColumnReference: Hashable, Sendable, CustomStringConvertible {
    /// The lookup alias, or nil for the source row.
    public var alias: String?
    public var column: String

    public init(alias: String? = nil, column: String) {
        self.alias = alias
        self.column = column
    }

    public var description: String { alias.map { "\($0).\(column)" } ?? column }
}

/// One parsed table map (`maps/<name>.yaml`). See `docs/table-maps.md` for the format.
public struct TableMap: Sendable, Identifiable {
    /// What happens to source rows that have no target row yet.
    public enum Mode: String, Sendable {
        /// Insert missing target rows, update changed ones.
        case upsert
        /// Only update existing target rows; a missing one is an error (write-back maps).
        case update
    }

    /// What a source delete does to the target row.
    public enum Deletes: String, Sendable {
        case ignore
        case propagate
    }

    /// Where the value of a target column comes from.
    public enum Value: Hashable, Sendable {
        /// A column of the source row or of a lookup.
        case column(ColumnReference)
        /// A SQL expression over `src` and the lookup aliases.
        case expression(String)
        /// Only a constant (the field's `default`).
        case constant
    }

    /// One entry of a value map: source value → target value, both as written in YAML.
    public struct ValueMapEntry: Hashable, Sendable {
        public var source: String
        public var target: String
        public var location: SourceLocation
    }

    /// One target column and where its value comes from.
    public struct Field: Hashable, Sendable {
        public var target: String
        public var value: Value
        /// Source value → target value; nil when the value is copied as it is.
        public var valueMap: [ValueMapEntry]?
        /// Used when the value is NULL, or the value itself for `.constant`.
        public var defaultValue: String?
        public var location: SourceLocation
    }

    /// A source-side LEFT JOIN: `table AS alias ON alias.lookupColumn = src.sourceColumn AND …`.
    public struct Lookup: Hashable, Sendable {
        public struct Columns: Hashable, Sendable {
            public var lookupColumn: String
            public var sourceColumn: String
        }

        public var alias: String
        public var table: QualifiedName
        public var on: [Columns]
        public var location: SourceLocation
    }

    /// A target-side existence check: the values of `columns` must exist in `table`.
    public struct Reference: Hashable, Sendable {
        public struct Columns: Hashable, Sendable {
            /// A column of this map's target.
            public var targetColumn: String
            /// The column of the referenced table it must match.
            public var referencedColumn: String
        }

        public var table: QualifiedName
        public var columns: [Columns]
        public var location: SourceLocation
    }

    /// The alert threshold: pause after `errors` failed rows within `window`.
    public struct PauseThreshold: Hashable, Sendable {
        public var errors: Int
        public var window: Duration

        public init(errors: Int, window: Duration) {
            self.errors = errors
            self.window = window
        }

        public static let `default` = PauseThreshold(errors: 100, window: .seconds(600))
    }

    public var id: String { name }
    public var name: String
    public var version: Int
    public var title: String?
    public var source: QualifiedName
    public var target: QualifiedName
    public var mode: Mode
    public var deletes: Deletes
    public var dependsOn: [String]
    public var filter: String?
    public var key: [String]
    public var lookups: [Lookup]
    public var fields: [Field]
    public var references: [Reference]
    public var touch: [String]
    public var pauseAfter: PauseThreshold
    /// The file the map was read from.
    public var file: String
    /// Where each top-level key was written (`source`, `filter`, `key`, …), for messages.
    public var locations: [String: SourceLocation]

    /// Where `key` was written, or the top of the file.
    public func location(of key: String) -> SourceLocation {
        locations[key] ?? SourceLocation(file: file, line: 1)
    }

    /// The field that fills `column`, if any.
    public func field(for column: String) -> Field? { fields.first { $0.target == column } }

    /// The lookup called `alias`, if any.
    public func lookup(_ alias: String) -> Lookup? { lookups.first { $0.alias == alias } }
}

/// Something wrong with a map, and where.
public struct MapProblem: Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// One or more maps are invalid. Its description has one `file:line: message` line per problem.
public struct InvalidMapsError: Error, Sendable, CustomStringConvertible {
    public var problems: [MapProblem]

    public init(_ problems: [MapProblem]) { self.problems = problems }

    public var description: String {
        let noun = problems.count == 1 ? "problem" : "problems"
        return "invalid table maps (\(problems.count) \(noun)):\n"
            + problems.map(\.description).joined(separator: "\n")
    }
}
