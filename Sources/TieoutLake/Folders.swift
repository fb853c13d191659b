public import Foundation

/// The name of an incremental-update folder: the UTC time its interval starts, written `2026-11-24T08.07.17Z`
/// (Synapse Link's spelling); `2026-11-24T08:07:17Z` and a fraction of a second (`…T08.07.17.123Z`) read too.
public struct FolderName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The folder's name as it is on disk.
    public let name: String
    /// The time it gives.
    public let time: Date

    public var description: String { name }

    public static func < (lhs: FolderName, rhs: FolderName) -> Bool {
        lhs.time == rhs.time ? lhs.name < rhs.name : lhs.time < rhs.time
    }

    /// Whether `name` looks like a timestamp folder (it starts with four digits and a hyphen): such a name must parse,
    /// or the lake is wrong.
    public static func looksLikeTimestamp(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count >= 5 else { return false }
        return bytes[0..<4].allSatisfy { $0 >= 48 && $0 <= 57 } && bytes[4] == UInt8(ascii: "-")
    }

    /// Parses `name`; nil when it is not a valid timestamp folder name (a month 13, a day 45, an hour 25, …).
    public init?(_ name: String) {
        let bytes = Array(name.utf8)
        // YYYY-MM-DDTHH?MM?SS[.f{1,7}]Z, ? being '.' or ':'
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func separator(_ index: Int) -> Bool { bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ":") }
        guard let year = digits(0..<4), bytes[4] == UInt8(ascii: "-"), let month = digits(5..<7),
            bytes[7] == UInt8(ascii: "-"), let day = digits(8..<10), bytes[10] == UInt8(ascii: "T"),
            let hour = digits(11..<13), separator(13), let minute = digits(14..<16), separator(16),
            let second = digits(17..<19)
        else { return nil }
        var nanoseconds = 0
        if bytes.count > 20 {
            let fraction = 20..<(bytes.count - 1)
            guard bytes[19] == UInt8(ascii: "."), (1...7).contains(fraction.count), let value = digits(fraction)
            else { return nil }
            nanoseconds = value * Int(pow(10.0, Double(9 - fraction.count)))
        } else if bytes.count != 20 {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanosecond: nanoseconds)
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
            components.isValidDate(in: calendar), let time = calendar.date(from: components)
        else { return nil }
        self.name = name
        self.time = time
    }

    /// The folder name Synapse Link gives an interval starting at `time` (whole seconds, dots).
    public init(time: Date) {
        let seconds = time.timeIntervalSince1970.rounded(.down)
        let whole = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: whole)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        self.name =
            "\(c.year ?? 1970)-\(two(c.month))-\(two(c.day))T\(two(c.hour)).\(two(c.minute)).\(two(c.second))Z"
        self.time = whole
    }
}

/// A lake folder on local disk, as a customer syncs the container (docs/lake.md): the root layout's `model.json`,
/// the timestamp folders, and the folder `Changelog/changelog.info` says is still being written.
public struct LakeLayout: Sendable {
    /// The folder (the container's local copy).
    public let root: URL
    /// Whether `model.json` exists at the root (the root layout).
    public let hasRootModel: Bool
    /// Timestamp folders, oldest first, the unfinished one and later ones excluded.
    public let completed: [FolderName]
    /// The folder changelog.info names, when there is one.
    public let inProgress: String?

    /// Reads the folder's listing. A timestamp-like folder name that is not a valid time is a ``LakeError``; the
    /// other folders (`Changelog`, `OptionsetMetadata`, `Microsoft.Athena.*`, table folders) are not read here.
    public init(root: URL) throws {
        self.root = root
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw LakeError("\(root.path): no such folder")
        }
        guard isFolder.boolValue else { throw LakeError("\(root.path): not a folder") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: root.path)
        } catch {
            throw LakeError("\(root.path): cannot read the folder")
        }
        hasRootModel = FileManager.default.fileExists(atPath: root.appendingPathComponent("model.json").path)
        var folders: [FolderName] = []
        for name in names.sorted() where !name.hasPrefix(".") && FolderName.looksLikeTimestamp(name) {
            var isDirectory: ObjCBool = false
            let path = root.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
            else { continue }
            guard let folder = FolderName(name) else {
                throw LakeError(
                    "\(path): the folder is named like a timestamp but \(name) is not a valid time "
                        + "(YYYY-MM-DDTHH.MM.SSZ)")
            }
            folders.append(folder)
        }
        folders.sort()
        let changelog = root.appendingPathComponent("Changelog").appendingPathComponent("changelog.info")
        var inProgress: String?
        if let data = FileManager.default.contents(atPath: changelog.path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            inProgress = text.isEmpty ? nil : text
        }
        self.inProgress = inProgress
        if let inProgress {
            // The folder being written, and any after it, wait for the next run.
            let cut = FolderName(inProgress)
            completed = folders.filter { folder in
                guard folder.name != inProgress else { return false }
                if let cut { return folder < cut }
                return true
            }
        } else {
            completed = folders
        }
    }

    /// The local file a partition's `location` stands for: an https URL loses its scheme, host and container (the
    /// first path segment) and is read under the root; a location without a scheme is relative to `folder` (the
    /// folder of its model.json).
    public func localFile(forLocation location: String, modelFolder folder: URL) -> URL {
        if let url = URL(string: location), let scheme = url.scheme, scheme.hasPrefix("http") || scheme == "abfss" {
            var segments = url.path.split(separator: "/", omittingEmptySubsequences: true).map {
                String($0).removingPercentEncoding ?? String($0)
            }
            // https://account.dfs.core.windows.net/container/…; abfss://container@account…/… has no container segment.
            if scheme.hasPrefix("http"), !segments.isEmpty { segments.removeFirst() }
            return segments.reduce(root) { $0.appendingPathComponent($1) }
        }
        let relative = location.removingPercentEncoding ?? location
        return relative.split(separator: "/").reduce(folder) { $0.appendingPathComponent(String($1)) }
    }
}
