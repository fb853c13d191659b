// swift-tools-version:6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode plus the upcoming features that keep
/// the module boundaries honest (a C type leaking through a public API is a compile error).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tieout",
    products: [
        .executable(name: "tieout", targets: ["tieout"]),
        .library(name: "TieoutPostgres", targets: ["TieoutPostgres"]),
        .library(name: "TieoutMigrations", targets: ["TieoutMigrations"]),
        .library(name: "TieoutCluster", targets: ["TieoutCluster"]),
        .library(name: "TieoutMaps", targets: ["TieoutMaps"]),
        .library(name: "TieoutSync", targets: ["TieoutSync"]),
        .library(name: "TieoutDataverse", targets: ["TieoutDataverse"]),
        .library(name: "TieoutFinance", targets: ["TieoutFinance"]),
        .library(name: "TieoutScenario", targets: ["TieoutScenario"]),
        .library(name: "TieoutRecon", targets: ["TieoutRecon"]),
        .library(name: "TieoutLoad", targets: ["TieoutLoad"]),
        .library(name: "TieoutLake", targets: ["TieoutLake"]),
        .library(name: "TieoutReport", targets: ["TieoutReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The only C in the package: libpq's header, found through pkg-config.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // The libpq wrapper: the only module that imports CLibPQ.
        .target(
            name: "TieoutPostgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Ordered schema migrations; the SQL of `sql/` is embedded at build time.
        .target(
            name: "TieoutMigrations",
            dependencies: ["TieoutPostgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings,
            plugins: ["EmbedMigrations"]
        ),
        // The private local PostgreSQL cluster under `.tieout/` and connection resolution.
        .target(
            name: "TieoutCluster",
            dependencies: ["TieoutPostgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // Table maps: the YAML definitions in `maps/`, their validation against the live catalog, and
        // the SQL they compile to. Shared by the sync engine and reconciliation.
        .target(
            name: "TieoutMaps",
            dependencies: ["TieoutPostgres", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // The dual-write sync engine: capture, apply, checkpoints, errors, initial sync, benchmarks.
        .target(
            name: "TieoutSync",
            dependencies: ["TieoutPostgres", "TieoutMaps", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The Dataverse side's business processes: approvals, billing backlog, proforma invoices.
        .target(
            name: "TieoutDataverse",
            dependencies: ["TieoutPostgres"],
            swiftSettings: strictSettings
        ),
        // The F&O side's business processes: import from staging, journal and invoice posting, reference data.
        .target(
            name: "TieoutFinance",
            dependencies: ["TieoutPostgres"],
            swiftSettings: strictSettings
        ),
        // Scenario data and the daily cycle: `tieout seed` and `tieout pipeline`.
        .target(
            name: "TieoutScenario",
            dependencies: [
                "TieoutPostgres", "TieoutSync", "TieoutDataverse", "TieoutFinance",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The nightly reconciliation: runs the checks of `recon.execute_run` against the expected sets the table
        // maps define, reports and exports the findings.
        .target(
            name: "TieoutRecon",
            dependencies: ["TieoutPostgres", "TieoutMaps", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The accountants' HTML page of a run (`tieout recon report --html`): a loader that fills a plain ReportData
        // from the database, and a pure renderer with its inline SVG charts.
        .target(
            name: "TieoutReport",
            dependencies: ["TieoutPostgres", "TieoutRecon"],
            swiftSettings: strictSettings
        ),
        // Azure Synapse Link lake folders (docs/lake.md): the model.json format, the folder layout, and the
        // simulator's writer (`tieout lake write`).
        .target(
            name: "TieoutLake",
            dependencies: ["TieoutPostgres", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // Loading real Dataverse and F&O CSV extracts and lake folders into the two schemas (`tieout load`).
        .target(
            name: "TieoutLoad",
            dependencies: ["TieoutPostgres", "TieoutLake", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // Benchmarks that print figures (`tieout bench`, `make bench`); not timed tests.
        .target(
            name: "TieoutBench",
            dependencies: [
                "TieoutPostgres", "TieoutMaps", "TieoutSync", "TieoutMigrations", "TieoutRecon", "TieoutScenario",
                "TieoutLoad", "TieoutLake", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The command line: parse, call a library, print.
        .executableTarget(
            name: "tieout",
            dependencies: [
                "TieoutPostgres",
                "TieoutMigrations",
                "TieoutCluster",
                "TieoutMaps",
                "TieoutSync",
                "TieoutBench",
                "TieoutDataverse",
                "TieoutFinance",
                "TieoutScenario",
                "TieoutRecon",
                "TieoutReport",
                "TieoutLoad",
                "TieoutLake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Build tool: turns `sql/*.sql` into a Swift source file so the binary carries its migrations.
        .executableTarget(
            name: "EmbedSQL",
            swiftSettings: strictSettings
        ),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["EmbedSQL"]
        ),
        // Shared by the test targets: the test database from `make test`, fresh databases, the binary.
        .target(
            name: "TieoutTestSupport",
            dependencies: ["TieoutPostgres", "TieoutMigrations"],
            path: "Tests/TieoutTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutPostgresTests",
            dependencies: [
                "TieoutPostgres",
                "TieoutTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutMigrationsTests",
            dependencies: ["TieoutMigrations", "TieoutPostgres", "TieoutTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutMapsTests",
            dependencies: ["TieoutMaps", "TieoutMigrations", "TieoutPostgres", "TieoutTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutSyncTests",
            dependencies: [
                "TieoutSync", "TieoutMaps", "TieoutMigrations", "TieoutPostgres", "TieoutTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutProcessTests",
            dependencies: [
                "TieoutDataverse", "TieoutFinance", "TieoutScenario", "TieoutSync", "TieoutMaps", "TieoutMigrations",
                "TieoutPostgres", "TieoutTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutReconTests",
            dependencies: [
                "TieoutRecon", "TieoutDataverse", "TieoutFinance", "TieoutScenario", "TieoutSync", "TieoutMaps",
                "TieoutMigrations", "TieoutPostgres", "TieoutTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutLoadTests",
            dependencies: [
                "TieoutLoad", "TieoutRecon", "TieoutSync", "TieoutMaps", "TieoutMigrations", "TieoutPostgres",
                "TieoutTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutLakeTests",
            dependencies: [
                "TieoutLake", "TieoutLoad", "TieoutRecon", "TieoutScenario", "TieoutSync", "TieoutMaps",
                "TieoutMigrations", "TieoutPostgres", "TieoutTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutReportTests",
            dependencies: ["TieoutReport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TieoutCLITests",
            dependencies: ["tieout", "TieoutPostgres", "TieoutTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
