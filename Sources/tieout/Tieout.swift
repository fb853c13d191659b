import ArgumentParser
import Foundation
import Logging
import TieoutMaps
import TieoutPostgres

/// The `tieout` command. Subcommands parse their options, call a library and print the result.
@main
struct Tieout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tieout",
        abstract: "Reconcile Dynamics 365 Project Operations (Dataverse) with Finance and Operations in PostgreSQL.",
        discussion:
            "Without --db or PG* variables, commands use the private PostgreSQL under .tieout/ in the working folder (see `tieout db start`).",
        subcommands: [
            Migrate.self, DB.self, Maps.self, Sync.self, DataverseCommand.self, FinanceCommand.self, SeedCommand.self,
            PipelineCommand.self, FaultsCommand.self, ReconCommand.self, LoadCommand.self, LakeCommand.self,
            Bench.self,
        ]
    )
}

/// Options every database command accepts.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A conninfo string or URI (e.g. 'host=/run/postgresql dbname=tieout' or 'postgresql://user@host/db').",
            discussion: "Without it, the PG* environment variables are used when set, else the private cluster.",
            valueName: "conninfo"
        )
    )
    var db: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "unknown log level \(quoted(logLevel)); use trace, debug, info, notice, warning, error or critical")
        }
    }

    /// A logger writing to standard error at the chosen level.
    func makeLogger(_ label: String) -> Logger {
        standardErrorLogger(label, level: Logger.Level(rawValue: logLevel) ?? .warning)
    }
}

/// A logger writing to standard error.
func standardErrorLogger(_ label: String, level: Logger.Level = .warning) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    return logger
}

/// Runs a command body; a failure becomes one line on standard error and a non-zero exit code,
/// never a stack trace.
func reportingErrors(exitCode: Int32 = 1, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as InvalidMapsError {
        // The documented exception to one line: the summary, then one `file:line: message` line per problem.
        printErrorLine(String(describing: error).split(separator: "\n").first.map(String.init) ?? "invalid table maps")
        for problem in error.problems {
            FileHandle.standardError.write(Data("\(errorLine(problem.description))\n".utf8))
        }
        throw ExitCode(exitCode)
    } catch let error as PostgresError where error.code == .raiseException {
        // A business rule of the processes: its message already names the record and the rule.
        printErrorLine(error.message)
        throw ExitCode(exitCode)
    } catch {
        printErrorLine("\(error)")
        throw ExitCode(exitCode)
    }
}

/// Prints rows as left-aligned columns separated by two spaces; the first row is the header.
func printTable(_ rows: [[String]]) {
    guard let header = rows.first else { return }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
        print(
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}
