public import Foundation

/// A CDM `model.json` as Azure Synapse Link writes it (docs/lake.md): the entities (tables) of a folder, each with its
/// attributes in CSV column order and its partition files. Unknown keys are ignored when reading; writing gives the
/// keys Synapse Link writes.
public struct LakeModel: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var version: String
    public var modifiedTime: String?
    public var entities: [Entity]

    public init(name: String = "cdm", version: String = "1.0", modifiedTime: String? = nil, entities: [Entity]) {
        self.name = name
        self.description = name
        self.version = version
        self.modifiedTime = modifiedTime
        self.entities = entities
    }

    /// One table: its logical name, attributes (the CSV columns, in order) and partition files.
    public struct Entity: Codable, Sendable, Equatable {
        public var type: String
        public var name: String
        public var description: String?
        public var annotations: [Annotation]?
        public var attributes: [Attribute]
        public var partitions: [Partition]

        enum CodingKeys: String, CodingKey {
            case type = "$type"
            case name, description, annotations, attributes, partitions
        }

        public init(
            name: String, annotations: [Annotation]? = nil, attributes: [Attribute], partitions: [Partition]
        ) {
            self.type = "LocalEntity"
            self.name = name
            self.description = name
            self.annotations = annotations
            self.attributes = attributes
            self.partitions = partitions
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type) ?? "LocalEntity"
            name = try container.decode(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            annotations = try container.decodeIfPresent([Annotation].self, forKey: .annotations)
            attributes = try container.decodeIfPresent([Attribute].self, forKey: .attributes) ?? []
            partitions = try container.decodeIfPresent([Partition].self, forKey: .partitions) ?? []
        }
    }

    public struct Annotation: Codable, Sendable, Equatable {
        public var name: String
        public var value: String?
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// One column: its name (in the source's case), CDM data type and, for text, the maximum length (-1 unbounded);
    /// for decimals the precision and scale travel as the `is.dataFormat.numeric.shaped` trait.
    public struct Attribute: Codable, Sendable, Equatable {
        public var name: String
        public var dataType: String
        public var maxLength: Int?
        public var traits: [Trait]?

        enum CodingKeys: String, CodingKey {
            case name, dataType, maxLength
            case traits = "cdm:traits"
        }

        public init(name: String, dataType: String, maxLength: Int? = nil, traits: [Trait]? = nil) {
            self.name = name
            self.dataType = dataType
            self.maxLength = maxLength
            self.traits = traits
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            dataType = try container.decodeIfPresent(String.self, forKey: .dataType) ?? "unclassified"
            maxLength = try? container.decodeIfPresent(Int.self, forKey: .maxLength)
            traits = try? container.decodeIfPresent([Trait].self, forKey: .traits)
        }
    }

    /// A CDM trait reference with its arguments (`is.constrained` maximumLength, `is.dataFormat.numeric.shaped`
    /// precision and scale).
    public struct Trait: Codable, Sendable, Equatable {
        public var traitReference: String
        public var arguments: [Argument]?

        public init(traitReference: String, arguments: [Argument]?) {
            self.traitReference = traitReference
            self.arguments = arguments
        }

        public struct Argument: Codable, Sendable, Equatable {
            public var name: String
            public var value: Int
            public init(name: String, value: Int) {
                self.name = name
                self.value = value
            }
        }
    }

    /// One partition file: its name and where it is (an https URL into the storage account).
    public struct Partition: Codable, Sendable, Equatable {
        public var name: String
        public var location: String
        public var refreshTime: String?

        public init(name: String, location: String, refreshTime: String? = nil) {
            self.name = name
            self.location = location
            self.refreshTime = refreshTime
        }
    }
}

extension LakeModel {
    /// Reads a `model.json`. A file that is not a model (not JSON, truncated, no `entities`) is a ``LakeError`` naming
    /// the file and what is wrong, in one line.
    public static func read(_ url: URL, shownAs name: String) throws -> (model: LakeModel, data: Data) {
        let data = try contents(of: url, shownAs: name)
        return (try decode(data, shownAs: name), data)
    }

    /// The bytes of a `model.json`, not yet decoded; a ``LakeError`` naming `name` when it is missing or unreadable.
    public static func contents(of url: URL, shownAs name: String) throws -> Data {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw LakeError("\(name): missing; every finished lake folder has a model.json")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw LakeError("\(name): cannot read the file")
        }
        return data
    }

    /// Decodes the bytes of a `model.json`; a ``LakeError`` naming `name` when they are not a model.
    public static func decode(_ data: Data, shownAs name: String) throws -> LakeModel {
        guard !data.isEmpty else { throw LakeError("\(name): empty (a folder still being written has an empty model)") }
        do {
            return try JSONDecoder().decode(LakeModel.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            let reason = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw LakeError("\(name): not valid JSON (\(reason.map(Self.oneLine) ?? "truncated or malformed"))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw LakeError("\(name): \(Self.path(context.codingPath)) lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw LakeError("\(name): \(Self.path(context.codingPath)) has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw LakeError("\(name): \(Self.path(context.codingPath)) is null")
        } catch {
            throw LakeError("\(name): not a CDM model.json")
        }
    }

    /// `entities[3].attributes[0]` for a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        guard !codingPath.isEmpty else { return "the document" }
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    static func oneLine(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 200 ? String(flat.prefix(200)) + "…" : flat
    }

    /// The encoding Synapse Link's files have: keys in a stable order, slashes not escaped.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A problem with a lake folder: one line for the user, naming the file (and line, column, value when there is one).
public struct LakeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
