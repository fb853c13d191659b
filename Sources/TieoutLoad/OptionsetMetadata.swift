import Foundation

/// The labels a lake's `OptionsetMetadata/` folder gives option-set codes (docs/lake.md): read only to name the
/// label of a code tieout does not know, so the files are read when such a code turns up, not before.
struct OptionsetMetadata {
    let folder: URL

    init(root: URL) { folder = root.appendingPathComponent("OptionsetMetadata") }

    /// The English (1033) label, else any label, of `code` of column `column` of entity `entity`; nil when the
    /// files do not have one (or are missing or unreadable: they only add words to an error).
    func label(entity: String, column: String, code: Int) -> String? {
        let entity = entity.lowercased()
        let column = column.lowercased()
        let code = String(code)
        var found: [(language: String, label: String)] = []
        // file, and the positions of entity, option-set name, option and label (nil: the option-set name is fixed)
        let layouts: [(String, Int, Int?, Int, Int, String?)] = [
            ("OptionsetMetadata.csv", 0, 1, 2, 5, nil),
            ("GlobalOptionsetMetadata.csv", 6, 0, 1, 4, nil),
            ("StateMetadata.csv", 0, nil, 1, 4, "statecode"),
            ("StatusMetadata.csv", 0, nil, 2, 5, "statuscode"),
        ]
        for (name, entityAt, setAt, optionAt, labelAt, fixedSet) in layouts {
            if let fixedSet, fixedSet != column { continue }
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path),
                let records = try? CSVFile(url: url).allRecords()
            else { continue }
            for record in records where record.count > max(entityAt, optionAt, labelAt, setAt ?? 0) {
                guard record[entityAt].lowercased() == entity, record[optionAt] == code else { continue }
                if let setAt, record[setAt].lowercased() != column { continue }
                let languageAt = labelAt - 1
                found.append((record[languageAt], record[labelAt]))
            }
        }
        return (found.first { $0.language == "1033" } ?? found.first)?.label
    }
}
