import Foundation
import Yams

/// Reads one map file into a ``TableMap``, or the list of what is wrong with it (with lines).
///
/// This checks the file on its own: keys, value types, names. Checks against the database are the
/// job of ``MapValidator``.
enum MapParser {
    static let topLevelKeys: Set<String> = [
        "name", "version", "title", "source", "target", "mode", "deletes", "dependsOn", "filter", "key",
        "lookups", "fields", "references", "touch", "pauseAfter",
    ]

    static func parse(_ text: String, file: String) -> Result<TableMap, InvalidMapsError> {
        var parser = Parser(file: file)
        let map = parser.parse(text)
        if let map, parser.problems.isEmpty { return .success(map) }
        return .failure(InvalidMapsError(parser.problems))
    }

    private struct Parser {
        let file: String
        var problems: [MapProblem] = []

        init(file: String) { self.file = file }

        func location(_ node: Node?) -> SourceLocation {
            SourceLocation(file: file, line: node?.mark?.line ?? 1)
        }

        mutating func problem(_ node: Node?, _ message: String) {
            problems.append(MapProblem(location(node), message))
        }

        mutating func parse(_ text: String) -> TableMap? {
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch let error as YamlError {
                problems.append(
                    MapProblem(SourceLocation(file: file, line: Self.line(of: error)), Self.describe(error)))
                return nil
            } catch {
                problems.append(MapProblem(SourceLocation(file: file, line: 1), "cannot read YAML: \(error)"))
                return nil
            }
            guard let root, let mapping = root.mapping else {
                problem(root, "a table map must be a YAML mapping (name:, source:, target:, …)")
                return nil
            }
            var values: [String: Node] = [:]
            var locations: [String: SourceLocation] = [:]
            for (keyNode, value) in mapping {
                guard let key = keyNode.string else {
                    problem(keyNode, "keys must be plain names")
                    continue
                }
                guard MapParser.topLevelKeys.contains(key) else {
                    problem(
                        keyNode,
                        "unknown key '\(key)' (known: \(MapParser.topLevelKeys.sorted().joined(separator: ", ")))")
                    continue
                }
                if values[key] != nil { problem(keyNode, "'\(key)' is given twice") }
                values[key] = value
                locations[key] = location(keyNode)
            }

            let fileName = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let name = requiredString(values["name"], key: "name", in: root)
            if let name {
                if name.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) == nil {
                    problem(values["name"], "name '\(name)' must be lower-case letters, digits and '-'")
                } else if name != fileName {
                    problem(values["name"], "name '\(name)' must match the file name '\(fileName).yaml'")
                }
            }
            var version = 0
            if let node = values["version"] {
                if let value = node.int, value > 0 {
                    version = value
                } else {
                    problem(node, "version must be a positive integer")
                }
            } else {
                problem(root, "missing 'version'")
            }
            let source = tableName(values["source"], key: "source", in: root)
            let target = tableName(values["target"], key: "target", in: root)
            let mode = enumValue(values["mode"], default: TableMap.Mode.upsert, key: "mode")
            let deletes = enumValue(values["deletes"], default: TableMap.Deletes.ignore, key: "deletes")
            let dependsOn = stringList(values["dependsOn"], key: "dependsOn") ?? []
            var filter: String?
            if let node = values["filter"] { filter = sqlText(node, what: "filter") }
            let key = stringList(values["key"], key: "key")
            if values["key"] == nil { problem(root, "missing 'key' (the target columns that identify a row)") }
            if let key, key.isEmpty { problem(values["key"], "'key' needs at least one column") }
            var lookups: [TableMap.Lookup] = []
            if let node = values["lookups"] { lookups = parseLookups(node) }
            var fields: [TableMap.Field] = []
            if let node = values["fields"] { fields = parseFields(node) }
            if values["fields"] == nil { problem(root, "missing 'fields'") }
            var references: [TableMap.Reference] = []
            if let node = values["references"] { references = parseReferences(node) }
            let touch = stringList(values["touch"], key: "touch") ?? []
            var pauseAfter = TableMap.PauseThreshold.default
            if let node = values["pauseAfter"] { pauseAfter = parsePauseAfter(node) }

            guard let name, let source, let target, let key, problems.isEmpty else { return nil }
            return TableMap(
                name: name, version: version, title: values["title"]?.string, source: source, target: target,
                mode: mode, deletes: deletes, dependsOn: dependsOn, filter: filter, key: key, lookups: lookups,
                fields: fields, references: references, touch: touch, pauseAfter: pauseAfter, file: file,
                locations: locations)
        }

        // MARK: - Pieces

        mutating func requiredString(_ node: Node?, key: String, in root: Node) -> String? {
            guard let node else {
                problem(root, "missing '\(key)'")
                return nil
            }
            guard let value = node.scalar?.string, !value.isEmpty else {
                problem(node, "'\(key)' must be a non-empty text")
                return nil
            }
            return value
        }

        mutating func tableName(_ node: Node?, key: String, in root: Node) -> QualifiedName? {
            guard let text = requiredString(node, key: key, in: root) else { return nil }
            guard let name = QualifiedName(text) else {
                problem(node, "'\(key)' must be schema.table, got '\(text)'")
                return nil
            }
            return name
        }

        mutating func enumValue<Value: RawRepresentable<String>>(_ node: Node?, default: Value, key: String) -> Value {
            guard let node else { return `default` }
            guard let text = node.scalar?.string, let value = Value(rawValue: text) else {
                problem(node, "'\(key)' has an unknown value '\(node.scalar?.string ?? "?")'")
                return `default`
            }
            return value
        }

        mutating func stringList(_ node: Node?, key: String) -> [String]? {
            guard let node else { return nil }
            guard let sequence = node.sequence else {
                problem(node, "'\(key)' must be a list, e.g. [a, b]")
                return nil
            }
            var result: [String] = []
            for item in sequence {
                guard let text = item.scalar?.string, !text.isEmpty else {
                    problem(item, "'\(key)' entries must be names")
                    continue
                }
                result.append(text)
            }
            return result
        }

        /// SQL text from a map: an expression or a filter. It must be one expression (``SQLExpression``): no
        /// `;`, no comments, no parenthesis it closes without opening; the server checks the rest when the maps
        /// are validated.
        mutating func sqlText(_ node: Node, what: String) -> String? {
            guard let text = node.scalar?.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                problem(node, "\(what) must be SQL text")
                return nil
            }
            if let structural = SQLExpression.structuralProblem(text) {
                problem(node, "\(what) \(structural)")
                return nil
            }
            return text
        }

        mutating func scalarText(_ node: Node, what: String) -> String? {
            guard let scalar = node.scalar else {
                problem(node, "\(what) must be a single value")
                return nil
            }
            if scalar.style == .plain && ["~", "null", "Null", "NULL", ""].contains(scalar.string) {
                problem(node, "\(what) may not be null")
                return nil
            }
            return scalar.string
        }

        mutating func parseLookups(_ node: Node) -> [TableMap.Lookup] {
            guard let sequence = node.sequence else {
                problem(node, "'lookups' must be a list")
                return []
            }
            var result: [TableMap.Lookup] = []
            for item in sequence {
                guard let mapping = item.mapping else {
                    problem(item, "a lookup must be a mapping with alias, table and on")
                    continue
                }
                checkKeys(mapping, allowed: ["alias", "table", "on"], what: "lookup")
                guard let alias = requiredString(child(item, "alias"), key: "alias", in: item),
                    let table = tableName(child(item, "table"), key: "table", in: item)
                else { continue }
                if alias == "src" || alias.range(of: #"^[a-z_][a-z0-9_]*$"#, options: .regularExpression) == nil {
                    problem(child(item, "alias"), "lookup alias '\(alias)' must be a lower-case name other than 'src'")
                    continue
                }
                if result.contains(where: { $0.alias == alias }) {
                    problem(child(item, "alias"), "lookup alias '\(alias)' is used twice")
                }
                guard let on = child(item, "on")?.mapping, !on.isEmpty else {
                    problem(item, "lookup '\(alias)' needs 'on: {lookup_column: source_column}'")
                    continue
                }
                var pairs: [TableMap.Lookup.Columns] = []
                for (k, v) in on {
                    guard let lookupColumn = k.string, let sourceColumn = v.string else {
                        problem(k, "lookup '\(alias)': 'on' pairs must be column names")
                        continue
                    }
                    pairs.append(TableMap.Lookup.Columns(lookupColumn: lookupColumn, sourceColumn: sourceColumn))
                }
                result.append(TableMap.Lookup(alias: alias, table: table, on: pairs, location: location(item)))
            }
            return result
        }

        mutating func parseFields(_ node: Node) -> [TableMap.Field] {
            guard let sequence = node.sequence else {
                problem(node, "'fields' must be a list of {target: …, source: …}")
                return []
            }
            var result: [TableMap.Field] = []
            for item in sequence {
                guard let mapping = item.mapping else {
                    problem(item, "a field must be a mapping with target and source, expression or default")
                    continue
                }
                checkKeys(mapping, allowed: ["target", "source", "expression", "default", "values"], what: "field")
                guard let target = requiredString(child(item, "target"), key: "target", in: item) else { continue }
                let here = location(child(item, "target"))
                if result.contains(where: { $0.target == target }) {
                    problem(child(item, "target"), "target column '\(target)' is mapped twice")
                    continue
                }
                var defaultValue: String?
                if let node = child(item, "default") { defaultValue = scalarText(node, what: "default of '\(target)'") }
                var value: TableMap.Value
                switch (child(item, "source"), child(item, "expression")) {
                case (let source?, nil):
                    guard let text = source.string, !text.isEmpty else {
                        problem(source, "source of '\(target)' must be a column name")
                        continue
                    }
                    let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                    guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
                        problem(source, "source of '\(target)' must be column or lookup.column, got '\(text)'")
                        continue
                    }
                    value = .column(
                        parts.count == 1
                            ? ColumnReference(column: parts[0]) : ColumnReference(alias: parts[0], column: parts[1]))
                case (nil, let expression?):
                    guard let sql = sqlText(expression, what: "expression of '\(target)'") else { continue }
                    value = .expression(sql)
                case (nil, nil):
                    guard defaultValue != nil else {
                        problem(item, "field '\(target)' needs a source, an expression or a default")
                        continue
                    }
                    value = .constant
                default:
                    problem(item, "field '\(target)' has both a source and an expression; keep one")
                    continue
                }
                var valueMap: [TableMap.ValueMapEntry]?
                if let values = child(item, "values") {
                    if case .constant = value { problem(values, "field '\(target)': a value map needs a source") }
                    guard let pairs = values.mapping, !pairs.isEmpty else {
                        problem(values, "values of '\(target)' must be a mapping {source value: target value}")
                        continue
                    }
                    var entries: [TableMap.ValueMapEntry] = []
                    for (k, v) in pairs {
                        guard let from = scalarText(k, what: "value-map key of '\(target)'"),
                            let to = scalarText(v, what: "value-map value of '\(target)'")
                        else { continue }
                        if entries.contains(where: { $0.source == from }) {
                            problem(k, "value map of '\(target)' lists source value \(from) twice")
                        }
                        entries.append(TableMap.ValueMapEntry(source: from, target: to, location: location(k)))
                    }
                    valueMap = entries
                }
                result.append(
                    TableMap.Field(
                        target: target, value: value, valueMap: valueMap, defaultValue: defaultValue, location: here))
            }
            return result
        }

        mutating func parseReferences(_ node: Node) -> [TableMap.Reference] {
            guard let sequence = node.sequence else {
                problem(node, "'references' must be a list")
                return []
            }
            var result: [TableMap.Reference] = []
            for item in sequence {
                guard let mapping = item.mapping else {
                    problem(item, "a reference must be a mapping with table and columns")
                    continue
                }
                checkKeys(mapping, allowed: ["table", "columns"], what: "reference")
                guard let table = tableName(child(item, "table"), key: "table", in: item) else { continue }
                guard let columns = child(item, "columns")?.mapping, !columns.isEmpty else {
                    problem(item, "reference to \(table) needs 'columns: {target_column: referenced_column}'")
                    continue
                }
                var pairs: [TableMap.Reference.Columns] = []
                for (k, v) in columns {
                    guard let mine = k.string, let theirs = v.string else {
                        problem(k, "reference columns must be column names")
                        continue
                    }
                    pairs.append(TableMap.Reference.Columns(targetColumn: mine, referencedColumn: theirs))
                }
                result.append(TableMap.Reference(table: table, columns: pairs, location: location(item)))
            }
            return result
        }

        mutating func parsePauseAfter(_ node: Node) -> TableMap.PauseThreshold {
            guard let mapping = node.mapping else {
                problem(node, "'pauseAfter' must be {errors: N, within: 10m}")
                return .default
            }
            checkKeys(mapping, allowed: ["errors", "within"], what: "pauseAfter")
            var threshold = TableMap.PauseThreshold.default
            if let errors = child(node, "errors") {
                if let count = errors.int, count > 0 {
                    threshold.errors = count
                } else {
                    problem(errors, "errors must be a positive integer")
                }
            }
            if let within = child(node, "within") {
                if let text = within.string, let duration = Self.duration(text) {
                    threshold.window = duration
                } else {
                    problem(within, "within must be a duration such as 90s, 10m or 1h")
                }
            }
            return threshold
        }

        mutating func checkKeys(_ mapping: Node.Mapping, allowed: Set<String>, what: String) {
            for (key, _) in mapping {
                guard let name = key.string, allowed.contains(name) else {
                    problem(
                        key,
                        "unknown \(what) key '\(key.string ?? "?")' (known: \(allowed.sorted().joined(separator: ", ")))"
                    )
                    continue
                }
            }
        }

        // MARK: - Helpers

        /// The value of `key` in a mapping node, matched on the key's text as written (so that
        /// `on:` stays a name rather than YAML 1.1's boolean true).
        func child(_ node: Node, _ key: String) -> Node? {
            node.mapping?.first { $0.key.scalar?.string == key }?.value
        }

        /// `90s`, `10m`, `2h` → a duration.
        static func duration(_ text: String) -> Duration? {
            guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0 else { return nil }
            switch unit {
            case "s": return .seconds(amount)
            case "m": return .seconds(amount * 60)
            case "h": return .seconds(amount * 3600)
            default: return nil
            }
        }

        static func line(of error: YamlError) -> Int {
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
            case .duplicatedKeysInMapping(_, let context): context.mark.line
            default: 1
            }
        }

        static func describe(_ error: YamlError) -> String {
            switch error {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
                "not valid YAML: \(problem)"
            case .duplicatedKeysInMapping(let duplicates, _):
                "key given twice: \(duplicates.joined(separator: ", "))"
            default:
                "not valid YAML"
            }
        }
    }
}
