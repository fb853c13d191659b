import Foundation
import TieoutPostgres

/// A table the lake writer exports: its schema (side), name, columns in table order and primary key column.
struct ExportTable {
    enum Side: String {
        case dataverse
        case fno
    }

    var side: Side
    var name: String
    var columns: [ExportColumn]
    /// The primary key column: `<table>id` (uuid) in Dataverse, `recid` (bigint) in F&O.
    var key: String

    /// `dataverse.msdyn_actual`.
    var qualified: String { "\(side.rawValue).\(name)" }
}

/// A column of an exported table.
struct ExportColumn {
    var name: String
    /// `format_type` of the column.
    var type: String

    /// How values of the column are written.
    enum Kind: Equatable {
        case guid
        case string
        case integer
        case decimal
        case boolean
        case dateTime(zoned: Bool)
        case date
    }

    var kind: Kind {
        switch type {
        case "uuid": .guid
        case "integer", "smallint", "bigint": .integer
        case "numeric", "double precision", "real": .decimal
        case "boolean": .boolean
        case "timestamp with time zone": .dateTime(zoned: true)
        case "timestamp without time zone": .dateTime(zoned: false)
        case "date": .date
        default: .string
        }
    }
}

/// One CSV column of a table's partitions: its model attribute, the SQL that formats its value from the change
/// `c` (pg_temp.lake_change) and the table row `t` (NULL for a delete), and whether COPY quotes it.
struct OutputColumn {
    var attribute: LakeModel.Attribute
    var expression: String
    var quoted: Bool
}

extension LakeWriter {
    /// The tables of the `dataverse` and `fno` schemas, each schema's in name order, with their columns in table
    /// order. A table without the primary key the lake needs is a ``LakeError``.
    func readTables() throws -> [ExportTable] {
        let rows = try connection.query(
            """
            SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
                   format_type(a.atttypid, NULL) AS type,
                   coalesce(a.attnum = ANY (i.indkey::smallint[]), false) AS in_key,
                   coalesce(i.indnkeyatts, 0) AS key_columns
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
             WHERE n.nspname IN ('dataverse', 'fno') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND a.attgenerated = ''
             ORDER BY n.nspname, c.relname, a.attnum
            """)
        var tables: [ExportTable] = []
        var keys: [String: (columns: Int, key: ExportColumn?)] = [:]
        for row in rows {
            let schema: String = try row.decode("schema_name")
            let name: String = try row.decode("table_name")
            guard let side = ExportTable.Side(rawValue: schema) else { continue }
            let column = ExportColumn(name: try row.decode("column_name"), type: try row.decode("type"))
            if tables.last?.side != side || tables.last?.name != name {
                tables.append(ExportTable(side: side, name: name, columns: [], key: ""))
            }
            tables[tables.count - 1].columns.append(column)
            let qualified = "\(schema).\(name)"
            if keys[qualified] == nil { keys[qualified] = (try row.decode("key_columns"), nil) }
            if try row.decode("in_key", as: Bool.self) { keys[qualified]?.key = column }
        }
        var names: [String: String] = [:]
        for index in tables.indices {
            let table = tables[index]
            let expected =
                table.side == .dataverse
                ? ExportColumn(name: "\(table.name)id", type: "uuid") : ExportColumn(name: "recid", type: "bigint")
            guard let key = keys[table.qualified], key.columns == 1, let column = key.key,
                column.name == expected.name, column.type == expected.type
            else {
                throw LakeError(
                    "\(table.qualified): the lake needs a primary key of one \(expected.type) column \(expected.name)")
            }
            tables[index].key = column.name
            if let other = names.updateValue(table.qualified, forKey: table.name) {
                throw LakeError("\(other) and \(table.qualified): a lake has one entity per name")
            }
        }
        return tables
    }

    /// The CSV columns of a table's partitions, in order (docs/lake.md, "Writing"). `sink` is the SQL literal of
    /// the write time in the Sink columns' US format.
    func layout(_ table: ExportTable, sink: String) throws -> [OutputColumn] {
        func column(_ name: String, _ type: String, _ expression: String, quoted: Bool = false) -> OutputColumn {
            OutputColumn(
                attribute: LakeModel.Attribute(name: name, dataType: type, maxLength: type == "string" ? -1 : nil),
                expression: expression, quoted: quoted)
        }
        let isDelete = column("IsDelete", "boolean", "CASE WHEN c.is_delete THEN 'True' END")
        var columns: [OutputColumn] = []
        switch table.side {
        case .dataverse:
            columns.append(column("Id", "guid", "c.row_key"))
            columns.append(column("SinkCreatedOn", "dateTime", sink, quoted: true))
            columns.append(column("SinkModifiedOn", "dateTime", sink, quoted: true))
            for tableColumn in table.columns {
                columns.append(try value(of: tableColumn, side: .dataverse))
            }
            columns.append(column("versionnumber", "int64", "c.version::text"))
            columns.append(isDelete)
        case .fno:
            let kept = "CASE WHEN NOT c.is_delete THEN"
            columns.append(column("Id", "guid", "lake.fno_id(c.row_key::bigint)::text"))
            columns.append(column("SinkCreatedOn", "dateTime", "\(kept) \(sink) END", quoted: true))
            columns.append(column("SinkModifiedOn", "dateTime", "\(kept) \(sink) END", quoted: true))
            for tableColumn in table.columns where tableColumn.name != "recid" {
                columns.append(try value(of: tableColumn, side: .fno))
            }
            columns.append(column("sysrowversion", "int64", "\(kept) c.version::text END"))
            columns.append(column("recid", "int64", "t.recid::text"))
            columns.append(column("tableid", "int64", "\(kept) '\(Self.tableID(table.name))' END"))
            columns.append(column("versionnumber", "int64", "\(kept) c.version::text END"))
            for (name, source) in [("createdon", "createddatetime"), ("modifiedon", "modifieddatetime")] {
                var expression = "NULL::text"
                if let sourceColumn = table.columns.first(where: { $0.name == source }) {
                    let reference = "t.\(try connection.quoteIdentifier(sourceColumn.name))"
                    expression =
                        switch sourceColumn.kind {
                        case .dateTime(zoned: true):
                            "to_char(\(reference) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"0+00:00\"')"
                        case .dateTime(zoned: false):
                            "to_char(\(reference), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"0+00:00\"')"
                        default: "NULL::text"
                        }
                }
                columns.append(column(name, "dateTimeOffset", expression, quoted: true))
            }
            columns.append(column("sysdatastatecode", "int64", "\(kept) '0' END"))
            columns.append(isDelete)
        }
        return columns
    }

    /// A table column's attribute and value: GUIDs, numbers (PostgreSQL's exact text), option-set codes and booleans
    /// (`True`/`False`) bare; strings and dates quoted; NULL empty. Dataverse dates and times are UTC with `Z`; F&O's
    /// have no zone, and F&O writes a NULL date or time as its empty date 1900-01-01.
    private func value(of column: ExportColumn, side: ExportTable.Side) throws -> OutputColumn {
        let reference = "t.\(try connection.quoteIdentifier(column.name))"
        // Synapse Link renames an F&O field Id, which would be the system column Id.
        let name = side == .fno && column.name.lowercased() == "id" ? "FnO_Id" : column.name
        let zone = side == .dataverse ? "Z" : ""
        var attribute = LakeModel.Attribute(name: name, dataType: "string")
        var expression = "\(reference)::text"
        var quoted = false
        switch column.kind {
        case .guid:
            attribute.dataType = "guid"
        case .string:
            attribute.maxLength = -1
            quoted = true
        case .integer:
            attribute.dataType = "int64"
        case .decimal:
            attribute.dataType = "decimal"
            attribute.traits = [
                LakeModel.Trait(
                    traitReference: "is.dataFormat.numeric.shaped",
                    arguments: [.init(name: "precision", value: 38), .init(name: "scale", value: 10)])
            ]
        case .boolean:
            attribute.dataType = "boolean"
            expression = "CASE WHEN \(reference) THEN 'True' WHEN NOT \(reference) THEN 'False' END"
        case .dateTime(let zoned):
            attribute.dataType = "dateTime"
            let utc = zoned ? "\(reference) AT TIME ZONE 'UTC'" : reference
            expression = "to_char(\(utc), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"0\(zone)\"')"
            quoted = true
        case .date:
            attribute.dataType = "dateTime"
            expression = "to_char(\(reference), 'YYYY-MM-DD\"T00:00:00.0000000\(zone)\"')"
            quoted = true
        }
        if side == .fno,
            column.kind == .date || column.kind == .dateTime(zoned: true)
                || column.kind == .dateTime(zoned: false)
        {
            expression = "CASE WHEN NOT c.is_delete THEN coalesce(\(expression), '1900-01-01T00:00:00.0000000') END"
        }
        return OutputColumn(attribute: attribute, expression: expression, quoted: quoted)
    }

    /// The `tableid` of an F&O table: a number from its name (FNV-1a), the same in every database.
    static func tableID(_ name: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return 10_000 + Int(hash % 50_000)
    }
}
